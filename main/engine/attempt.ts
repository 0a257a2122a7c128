/**
 * One attempt of a run, from its worker's start to its stored outcome:
 * worker messages (pid, progress, logs, artifacts), the timeout, stopping
 * (graceful, then forced) and settling the run's final state.
 *
 * Invariants:
 * - Whatever the outcome, nothing of the job's process tree outlives its run.
 * - The run's final state is stored after its artifacts and every log line,
 *   then handed to the engine (AttemptContext.attemptEnded). While writing
 *   fails (storage-guard.ts) that waits until it works again: the run is never
 *   left `running`, and stays among the attempts under way until then.
 * - `settled` resolves in every case once the attempt's processes ended (its
 *   final state stored or waiting to be), so shutdown can wait for it.
 */
import path from 'node:path';
import type { JobDefinition, LogLineInput, RunRecord, Settings, StopReason } from '../../contract/model.js';
import { coerceError } from '../../contract/errors.js';
import { formatDuration } from '../../contract/durations.js';
import type { WorkerRunSpec, WorkerToEngine } from '../../contract/worker-protocol.js';
import { removeArtifactFiles, storeArtifact } from './artifacts.js';
import type { Logger } from './logger.js';
import { settleAttempt, settlementPatch } from './outcome.js';
import { classifyStorageError } from './storage-errors.js';
import type { StorageGuard } from './storage-guard.js';
import { paramEnv, renderArgv } from './params.js';
import { mapNodeCommand, type NodeRuntime } from './node-command.js';
import { killTree } from './process-tree.js';
import { LOG_WINDOW_LINES, RunLogBuffer, type RunLogContext } from './run-log-buffer.js';
import { RUN_KEY_ENV, killRunProcesses, runKey } from './run-processes.js';
import type { AttemptExit, AttemptHandle, Runner } from './runner.js';
import type { RunPatch, Store } from './store/index.js';

/** What an attempt needs from the engine. */
export interface AttemptContext extends RunLogContext {
  readonly store: Pick<Store, 'appendLogs' | 'isOpen' | 'getLogs' | 'updateRun' | 'insertArtifact'>;
  readonly storage: Pick<StorageGuard, 'writable' | 'noteFailure' | 'countDropped' | 'problem' | 'defer'>;
  readonly runner: Pick<Runner, 'start'>;
  readonly logger: Logger;
  /** Where artifact files are stored. */
  readonly dataDir: string;
  /** Identifies this data directory in the run keys of child processes (see run-processes.ts). */
  readonly storeId: string;
  settings(): Settings;
  /** What a command of `node` / `{{node}}` runs (node-command.ts). */
  readonly nodeRuntime: NodeRuntime;
  /** The attempt's run is stored in its final state: the engine announces it and moves on. */
  attemptEnded(run: RunRecord, def: JobDefinition): void;
}

/** At most this many of an ended attempt's lines are stored with its final state, on the engine's thread (RunLogBuffer.drain). */
export const SETTLE_LINES = 100;

export class Attempt {
  /** The run as last stored (pid, progress); its id and job never change. */
  run: RunRecord;
  /** The definition the attempt started with: a reload of the jobs file does not change it. */
  readonly def: JobDefinition;
  /** Its log lines on their way to the store. */
  readonly logs: RunLogBuffer;
  /** Resolves once the attempt ended and its run was stored (or that failed and was logged). */
  readonly settled: Promise<void>;
  private resolveSettled!: () => void;
  private handle: AttemptHandle | null = null;
  private stopping: { reason: StopReason; by: string } | null = null;
  /** The grace period was skipped: everything of the attempt is killed at once. */
  private forced = false;
  private pid: number | null = null;
  private timeout: NodeJS.Timeout | null = null;
  private grace: NodeJS.Timeout | null = null;
  private readonly artifacts: Promise<void>[] = [];
  /** Kills started without waiting (a stop, a stop racing the spawn, the forced stop): the run ends only after them. */
  private readonly kills: Promise<unknown>[] = [];
  /** Changes of the run (pid, progress) not stored while writing failed: stored with its final state. */
  private unsaved: RunPatch = {};
  /** The worker exited: a stop has nothing left to stop. */
  private ended = false;

  /** `run` is stored as running already; call start(). */
  constructor(
    private readonly ctx: AttemptContext,
    run: RunRecord,
    def: JobDefinition,
  ) {
    this.run = run;
    this.def = def;
    this.logs = new RunLogBuffer(ctx, run.id, run.job_id);
    this.settled = new Promise<void>((resolve) => (this.resolveSettled = resolve));
  }

  /** Arms the timeout and starts the worker; the attempt then runs until its worker exits. */
  start(): void {
    const { run, def } = this;
    const timeoutMs = def.timeout_ms ?? this.ctx.settings().default_timeout_ms;
    if (timeoutMs) this.timeout = setTimeout(() => this.stop('timeout', 'engine'), timeoutMs);

    this.ctx.runner
      .start(workerSpec(run, def, this.ctx.storeId, this.ctx.nodeRuntime), this.ctx.settings().worker_memory_mb, {
        onMessage: (message) => this.onWorkerMessage(message),
        onOutput: (stream, line) =>
          this.logs.add({ ts: Date.now(), stream, level: stream === 'stderr' ? 'warn' : 'info', message: line }),
      })
      .then(async (handle) => {
        this.handle = handle;
        this.logs.attachWorker(handle);
        // A stop requested before the worker existed is delivered now.
        if (this.stopping) handle.cancel(this.stopping.reason);
        if (this.forced) void handle.terminate().catch(() => {});
        const exit = await handle.exited;
        await this.finish(exit);
      })
      .catch(async (error: unknown) => {
        this.ctx.logger.error(`run ${run.id} of ${run.job_id}: could not start its worker`, error);
        await this.finish({
          outcome: {
            ok: false,
            code: 'spawn',
            message: `could not start a worker: ${coerceError(error).message}`,
            stack: null,
            exit_code: null,
            signal: null,
          },
          exitCode: 1,
          error: null,
        });
      })
      .catch((error: unknown) => this.ctx.logger.error(`run ${run.id}: finishing failed`, error))
      .finally(() => this.resolveSettled());
  }

  /**
   * Stops the attempt: graceful first (cancel message → AbortSignal for script
   * jobs, SIGTERM to the process group for command jobs), forced after the
   * grace period (SIGKILL to the whole process tree, worker terminated).
   * Only the first stop's reason counts; `force` skips the grace period, also
   * of a stop under way.
   */
  stop(reason: StopReason, by: string, force = false): void {
    // An attempt that already ended has nothing left to stop.
    if (this.ended) return;
    if (!this.stopping) {
      this.stopping = { reason, by };
      if (this.timeout) clearTimeout(this.timeout);
      this.systemLog(
        'warn',
        reason === 'timeout'
          ? `timed out after ${this.timeoutText()}; stopping`
          : reason === 'cancel'
            ? `cancelled by ${by}; stopping`
            : 'engine shutting down; stopping',
      );
      this.handle?.cancel(reason);
      if (this.pid !== null && !force) this.inBackground(killTree(this.pid, 'SIGTERM'));
      if (!force) {
        const graceMs = this.ctx.settings().kill_grace_ms;
        this.grace = setTimeout(
          () => this.forceStop(`did not stop within ${formatDuration(graceMs)}; killing`),
          graceMs,
        );
      }
    }
    if (force) this.forceStop('stopping now (forced): killing');
  }

  private onWorkerMessage(message: Exclude<WorkerToEngine, { type: 'result' }>): void {
    switch (message.type) {
      case 'started':
        return;
      case 'spawned':
        this.pid = message.pid;
        this.save({ pid: message.pid });
        // A stop that raced the spawn reaches the new process group too.
        if (this.stopping) this.inBackground(killTree(message.pid, this.forced ? 'SIGKILL' : 'SIGTERM'));
        return;
      case 'progress':
        this.save({ progress: message.percent, step: message.step });
        this.ctx.events.emit('run:progress', {
          run_id: this.run.id,
          job_id: this.run.job_id,
          progress: message.percent,
          step: message.step,
        });
        return;
      case 'log':
        this.logs.addPackedFromWorker(message.packed);
        return;
      case 'log_stored':
        this.logs.addStoredFromWorker(message);
        return;
      case 'artifact':
        this.artifacts.push(this.saveArtifact(message.name, message.path, message.data));
        return;
    }
  }

  /** Stores a change of the running run; while writing fails it is kept and stored with the final state. */
  private save(patch: RunPatch): void {
    this.run = { ...this.run, ...patch };
    if (this.ctx.storage.writable) {
      try {
        this.run = this.ctx.store.updateRun(this.run.id, { ...this.unsaved, ...patch });
        this.unsaved = {};
        return;
      } catch (error) {
        this.ctx.storage.noteFailure(error, `updating run ${this.run.id}`);
      }
    }
    this.unsaved = { ...this.unsaved, ...patch };
  }

  /** An artifact that cannot be written (file or record) puts the engine in a storage problem like any other write. */
  private async saveArtifact(name: string, from: string | null, data: Uint8Array | string | null): Promise<void> {
    try {
      const source = from !== null ? { path: path.resolve(this.def.cwd, from) } : { data: data ?? '' };
      const record = await storeArtifact(this.ctx.dataDir, this.run.id, name, source);
      if (!this.ctx.store.isOpen()) return;
      try {
        this.ctx.store.insertArtifact(record);
      } catch (error) {
        // A file without its record is never listed: it goes.
        await removeArtifactFiles(this.ctx.dataDir, [record.path]);
        throw error;
      }
      this.systemLog('info', `artifact ${name} stored (${record.size} bytes)`);
    } catch (error) {
      if (classifyStorageError(error))
        this.ctx.storage.noteFailure(error, `storing artifact ${name} of run ${this.run.id}`);
      this.systemLog('error', `artifact ${name} could not be stored: ${coerceError(error).message}`);
    }
  }

  /**
   * SIGKILL to everything a command attempt started: its tree, its process
   * group and (Linux) every process carrying its run key — unless its worker
   * swept by the run key already (`swept`: the command supervisor does).
   */
  private async killProcesses(swept = false): Promise<void> {
    if (this.pid !== null) await killTree(this.pid, 'SIGKILL').catch(() => []);
    if (this.def.kind === 'command' && !swept) await killRunProcesses(runKey(this.ctx.storeId, this.run.id));
  }

  /** The forced stop, once: SIGKILL to everything the attempt started, its worker terminated. */
  private forceStop(why: string): void {
    if (this.forced) return;
    this.forced = true;
    if (this.grace) clearTimeout(this.grace);
    this.systemLog('warn', why);
    this.inBackground(this.killProcesses().then(() => this.handle?.terminate()));
  }

  private inBackground(kill: Promise<unknown>): void {
    this.kills.push(kill.catch(() => {}));
  }

  private async finish(exit: AttemptExit): Promise<void> {
    this.ended = true;
    if (this.timeout) clearTimeout(this.timeout);
    if (this.grace) clearTimeout(this.grace);
    // Whatever the outcome, nothing of the job's process tree outlives its run.
    await this.killProcesses(exit.swept);
    await Promise.all(this.kills);
    await Promise.all(this.artifacts);
    const settlement = settleAttempt(exit, {
      stop: this.stopping ? { ...this.stopping, timeoutText: this.timeoutText() } : null,
      memoryMb: this.ctx.settings().worker_memory_mb,
    });
    if (settlement.error) this.systemLog('error', settlement.error);
    // Every line, the error's too, is stored before the final state: off this thread (the log writer,
    // the command supervisor), but for the last few (SETTLE_LINES), stored with the final state in its transaction.
    await this.logs.drain(SETTLE_LINES);
    const patch = { ...this.unsaved, ...settlementPatch(settlement, this.run.started_at, Date.now()) };
    const store = () => {
      this.logs.settle();
      return this.ctx.store.updateRun(this.run.id, patch);
    };
    this.ctx.storage.defer(`storing the final state of run ${this.run.id}`, store, (run) =>
      this.ctx.attemptEnded(run, this.def),
    );
  }

  private systemLog(level: LogLineInput['level'], message: string): void {
    this.logs.add({ ts: Date.now(), stream: 'system', level, message });
  }

  private timeoutText(): string {
    return formatDuration(this.def.timeout_ms ?? this.ctx.settings().default_timeout_ms ?? 0);
  }
}

/** The worker's instructions for one attempt: the job, its params and environment, its log window. */
function workerSpec(run: RunRecord, def: JobDefinition, storeId: string, nodeRuntime: NodeRuntime): WorkerRunSpec {
  const node = def.command ? mapNodeCommand(def.command, nodeRuntime, Object.keys(def.params)) : null;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, def.env, node?.env, paramEnv(run.params), {
    JOBTRAY_RUN_ID: String(run.id),
    JOBTRAY_JOB_ID: def.id,
    JOBTRAY_ATTEMPT: String(run.attempt),
    // Finds this run's processes (Linux) even after they left its process group (see run-processes.ts).
    [RUN_KEY_ENV]: runKey(storeId, run.id),
  });
  return {
    run_id: run.id,
    job_id: def.id,
    attempt: run.attempt,
    params: run.params,
    kind: def.kind,
    argv: def.command ? renderArgv(node?.argv ?? def.command, run.params) : null,
    script: def.script,
    cwd: def.cwd,
    env,
    log_window: LOG_WINDOW_LINES,
  };
}
