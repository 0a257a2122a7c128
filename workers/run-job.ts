import { spawn } from 'node:child_process';
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { format, inspect } from 'node:util';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { coerceError, JobtrayError } from '../contract/errors.js';
import { JOB_KINDS, type LogLevel, type LogLineInput, type LogStream } from '../contract/model.js';
import {
  packLogLines,
  packedTransferList,
  resourceExhaustion,
  type EngineToWorker,
  type WorkerOutcome,
  type WorkerRunSpec,
  type WorkerToEngine,
} from '../contract/worker-protocol.js';
import { LineSplitter, parseCommandLine } from './command-lines.js';
import {
  artifactNameProblem,
  FatalError,
  isFatalError,
  RunAbortedError,
  type ArtifactSource,
  type JobContext,
  type JobFunction,
} from './job-api.js';

/**
 * Bree worker entry: runs ONE attempt of a job (a script module in this thread,
 * or a command as a child process) and speaks contract/worker-protocol.ts.
 *
 * Invariants:
 * - It never posts Bree's 'done' (Bree would drop every `exit` listener).
 * - It posts exactly one `result`, after every log line and the last progress.
 * - It never calls process.exit: after `result` it stops listening so the
 *   thread ends when the job's own handles are gone. The engine enforces
 *   timeouts (terminate + SIGKILL of the tree); cancel here is the graceful part.
 */

const LOG_FLUSH_MS = 25;
const LOG_BATCH_MAX = 500;
const PROGRESS_MIN_INTERVAL_MS = 50;
/** After a command exits, how long a background process may keep its output pipes open. */
const OUTPUT_DRAIN_GRACE_MS = 2_000;

type LogEntry = LogLineInput;
type Failure = Extract<WorkerOutcome, { ok: false }>;

/**
 * Buffers log lines (posted every LOG_FLUSH_MS or LOG_BATCH_MAX lines) and
 * throttles progress (one message per PROGRESS_MIN_INTERVAL_MS, the latest
 * value wins). Any other message is posted after the buffered log lines, so
 * the engine sees lines and events in the order they happened.
 *
 * Flow control (WorkerRunSpec.log_window): at most `window` lines are posted
 * and not yet acknowledged; further lines wait here (a command's output
 * readers pause meanwhile, see `congested`). Messages other than log lines
 * and the final flush post the held lines regardless, to keep the order.
 */
class Outbox {
  private lines: LogEntry[] = [];
  private logTimer: NodeJS.Timeout | null = null;
  private pendingProgress: { percent: number | null; step: string | null } | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private lastProgressAt = -Infinity;
  private unacknowledged = 0;
  private openListeners: (() => void)[] = [];

  constructor(
    private readonly port: MessagePort,
    private readonly window = Infinity,
  ) {}

  /** True while the engine is a whole window behind: readers of job output should pause until `onceOpen`. */
  get congested(): boolean {
    return this.unacknowledged >= this.window;
  }

  /** Calls `listener` once the window has room again. */
  onceOpen(listener: () => void): void {
    this.openListeners.push(listener);
  }

  /** The engine stored `lines` more of the posted lines. */
  acknowledge(lines: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - lines);
    this.flushLogs();
    if (this.congested) return;
    const listeners = this.openListeners;
    this.openListeners = [];
    for (const listener of listeners) listener();
  }

  log(stream: LogStream, level: LogLevel, message: string): void {
    this.lines.push({ ts: Date.now(), stream, level, message });
    if (this.lines.length >= LOG_BATCH_MAX) this.flushLogs();
    else this.logTimer ??= setTimeout(() => this.flushLogs(), LOG_FLUSH_MS).unref();
  }

  /**
   * Every progress update is also a log line of stream `progress`, in order
   * with the other lines (the history keeps each step); the live progress
   * message is throttled.
   */
  progress(percent: number | null, step: string | null): void {
    const clamped = clampPercent(percent);
    this.log(
      'progress',
      'info',
      `${clamped === null ? '' : `${clamped}%`}${step ? ` ${step}` : ''}`.trim() || 'progress',
    );
    this.pendingProgress = { percent: clamped, step };
    const wait = this.lastProgressAt + PROGRESS_MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flushProgress();
    else this.progressTimer ??= setTimeout(() => this.flushProgress(), wait).unref();
  }

  send(message: WorkerToEngine): void {
    this.flushLogs(true);
    this.port.postMessage(message);
  }

  /** Posts everything still buffered (before the result). */
  flush(): void {
    this.flushLogs(true);
    this.flushProgress();
  }

  /** Posts buffered lines in batches of at most LOG_BATCH_MAX: while the window has room, or all of them when `force`. */
  private flushLogs(force = false): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = null;
    while (this.lines.length > 0 && (force || !this.congested)) {
      const lines = this.lines.length <= LOG_BATCH_MAX ? this.lines : this.lines.splice(0, LOG_BATCH_MAX);
      if (lines === this.lines) this.lines = [];
      this.unacknowledged += lines.length;
      const packed = packLogLines(lines);
      this.port.postMessage({ type: 'log', packed } satisfies WorkerToEngine, packedTransferList(packed));
    }
  }

  private flushProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    if (!this.pendingProgress) return;
    const { percent, step } = this.pendingProgress;
    this.pendingProgress = null;
    this.lastProgressAt = performance.now();
    this.send({ type: 'progress', percent, step });
  }
}

function clampPercent(percent: number | null): number | null {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) return null;
  return Math.min(100, Math.max(0, percent));
}

/** A log message from job code: strings as they are, anything else (errors with their stack) inspected. */
function describe(message: unknown): string {
  return typeof message === 'string' ? message : inspect(message);
}

function failure(code: Failure['code'], error: Error, extra: Partial<Failure> = {}): Failure {
  return {
    ok: false,
    code,
    message: error.message,
    stack: error.stack ?? null,
    exit_code: null,
    signal: null,
    ...extra,
  };
}

/** How a throw from job code ends the run: aborted (after cancel) > fatal > exception. */
function failureFromThrow(thrown: unknown, signal: AbortSignal): Failure {
  const error = coerceError(thrown);
  if (signal.aborted) return failure('aborted', error);
  return failure(isFatalError(thrown) ? 'fatal' : 'exception', error);
}

/** statSync that reports instead of throwing: the Stats, or the error code (ENOENT, EACCES, …). */
function tryStat(file: string): Stats | string {
  try {
    return statSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? coerceError(error).message;
  }
}

/**
 * Checks an artifact and posts it; returns why it was not posted, or null.
 * `source` comes from job code (plain JS), so its shape is checked here.
 * Path sources resolve against the job's cwd and must be existing files.
 */
function postArtifact(
  outbox: Outbox,
  spec: WorkerRunSpec,
  name: string,
  source: ArtifactSource | undefined,
): string | null {
  const prefix = `Artifact ${JSON.stringify(name)} of job "${spec.job_id}" (run ${spec.run_id}) was not saved`;
  const nameProblem = artifactNameProblem(name);
  if (nameProblem) return `${prefix}: the name is not a safe file name (${nameProblem})`;
  if (typeof source !== 'object' || source === null) return `${prefix}: pass { path } or { data } as the source`;
  if ('data' in source) {
    if (typeof source.data !== 'string' && !(source.data instanceof Uint8Array)) {
      return `${prefix}: data must be a string or a Uint8Array`;
    }
    outbox.send({ type: 'artifact', name, path: null, data: source.data });
    return null;
  }
  if (typeof source.path !== 'string' || source.path === '') return `${prefix}: path must be a non-empty string`;
  const absolute = path.resolve(spec.cwd, source.path);
  const stats = tryStat(absolute);
  if (typeof stats === 'string')
    return `${prefix}: ${absolute} ${stats === 'ENOENT' ? 'does not exist' : `cannot be read (${stats})`}`;
  if (!stats.isFile()) return `${prefix}: ${absolute} is not a regular file`;
  outbox.send({ type: 'artifact', name, path: absolute, data: null });
  return null;
}

// ---------------------------------------------------------------- script jobs

function makeContext(spec: WorkerRunSpec, outbox: Outbox, signal: AbortSignal): JobContext {
  const logAt = (level: LogLevel) => (message: unknown) => outbox.log('job', level, describe(message));
  return {
    params: spec.params,
    runId: spec.run_id,
    attempt: spec.attempt,
    jobId: spec.job_id,
    cwd: spec.cwd,
    signal,
    progress: (percent, step) => outbox.progress(percent, typeof step === 'string' ? step : null),
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    artifact: async (name, source) => {
      const problem = postArtifact(outbox, spec, name, source);
      if (problem) {
        outbox.log('system', 'error', problem);
        throw new JobtrayError('invalid_input', problem);
      }
    },
    FatalError,
  };
}

/** console.* in the job module becomes log lines of the run (stream 'job'). */
function captureConsole(outbox: Outbox): void {
  const to =
    (level: LogLevel) =>
    (...args: unknown[]) =>
      outbox.log('job', level, format(...args));
  console.debug = to('debug');
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warn');
  console.error = to('error');
}

function pickJobFunction(module: Record<string, unknown>, file: string): JobFunction {
  const candidate = typeof module.default === 'function' ? module.default : module.run;
  if (typeof candidate === 'function') return candidate as JobFunction;
  const names = Object.keys(module).join(', ') || 'none';
  throw new JobtrayError(
    'invalid_input',
    `Script ${file} exports neither a default function nor a function named "run" (its exports: ${names})`,
  );
}

/** The job's return value as JSON data (what the run store keeps). */
function jsonResult(value: unknown, spec: WorkerRunSpec): WorkerOutcome {
  try {
    const json = JSON.stringify(value);
    return { ok: true, result: json === undefined ? null : (JSON.parse(json) as unknown) };
  } catch (error) {
    const why = coerceError(error).message;
    return failure(
      'exception',
      new Error(
        `Job "${spec.job_id}" (${spec.script}) returned a value that cannot be stored as JSON (${why}); return plain data: objects, arrays, strings, numbers, booleans, null`,
      ),
    );
  }
}

async function runScript(
  spec: WorkerRunSpec,
  script: string,
  outbox: Outbox,
  signal: AbortSignal,
): Promise<WorkerOutcome> {
  const ctx = makeContext(spec, outbox, signal);
  outbox.send({ type: 'started', at: Date.now() });
  try {
    const job = pickJobFunction((await import(pathToFileURL(script).href)) as Record<string, unknown>, script);
    return jsonResult(await job(ctx), spec);
  } catch (error) {
    return failureFromThrow(error, signal);
  }
}

// --------------------------------------------------------------- command jobs

/** Why a command cannot start, in words a person can act on. */
function spawnFailure(command: string, cwd: string, error: NodeJS.ErrnoException): Failure {
  const why =
    error.code === 'ENOENT'
      ? `command not found (check the command name and PATH in the job's env)`
      : error.code === 'EACCES'
        ? 'permission denied (is the file executable?)'
        : (resourceExhaustion(error.code) ?? error.message);
  return failure('spawn', new Error(`Cannot start "${command}" in ${cwd}: ${why} [${error.code ?? 'unknown'}]`));
}

/** Node reports a missing cwd as ENOENT of the command, so the cwd is checked first. */
function cwdProblem(command: string, cwd: string): Failure | null {
  const stats = tryStat(cwd);
  if (typeof stats !== 'string' && stats.isDirectory()) return null;
  const code = typeof stats === 'string' ? stats : 'ENOTDIR';
  const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : 'cannot be used';
  return failure('spawn', new Error(`Cannot start "${command}": working directory ${cwd} ${why} [${code}]`));
}

/**
 * Signals the child's process group (it is its leader: spawned detached).
 * Windows has no process groups: only the child is signalled there, and the
 * engine's killTree (taskkill /T) takes care of the rest of the tree.
 */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function exitOutcome(code: number | null, signal: NodeJS.Signals | null): WorkerOutcome {
  if (code === 0) return { ok: true, result: null, exit_code: 0 };
  if (code !== null)
    return failure('exit_code', new Error(`exited with code ${code}`), { stack: null, exit_code: code });
  return failure('exit_code', new Error(`killed by ${signal ?? 'an unknown signal'}`), { stack: null, signal });
}

function handleOutputLine(line: string, stream: 'stdout' | 'stderr', spec: WorkerRunSpec, outbox: Outbox): void {
  const parsed = parseCommandLine(line, stream === 'stdout' ? 'info' : 'warn');
  if (parsed.kind === 'progress') outbox.progress(parsed.percent, parsed.step);
  else if (parsed.kind === 'log') outbox.log(stream, parsed.level, parsed.message);
  else {
    const problem = postArtifact(outbox, spec, parsed.name, { path: parsed.path });
    if (problem) outbox.log('system', 'error', problem);
  }
}

function runCommand(spec: WorkerRunSpec, argv: string[], outbox: Outbox, signal: AbortSignal): Promise<WorkerOutcome> {
  const [command = '', ...args] = argv;
  outbox.send({ type: 'started', at: Date.now() });
  const badCwd = cwdProblem(command, spec.cwd);
  if (badCwd) return Promise.resolve(badCwd);

  return new Promise((resolve) => {
    // detached: the child leads its own process group, so cancel (here) and the
    // engine's forced kill reach its whole tree. stdin is /dev/null: a job that
    // reads stdin gets EOF instead of hanging.
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let settled = false;
    const settle = (outcome: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
    };

    child.on('error', (error) => {
      if (child.pid === undefined) settle(spawnFailure(command, spec.cwd, error));
    });
    if (child.pid === undefined) return;
    outbox.send({ type: 'spawned', pid: child.pid });

    const splitters = (['stdout', 'stderr'] as const).map((stream) => {
      const splitter = new LineSplitter((line) => handleOutputLine(line, stream, spec, outbox));
      const output = child[stream];
      output.on('data', (chunk: Buffer) => {
        splitter.push(chunk);
        // Backpressure: while the engine is behind, the pipe fills and the
        // job waits on its writes, instead of lines piling up in memory.
        if (outbox.congested) {
          output.pause();
          outbox.onceOpen(() => output.resume());
        }
      });
      return splitter;
    });
    // A background process of the job may hold the pipes open after the job
    // exited; stop reading after a grace period rather than hang the run.
    // Time spent waiting for the engine (congested) does not count.
    let drainTimer: NodeJS.Timeout | undefined;
    const stopReadingAfterGrace = () => {
      drainTimer = setTimeout(() => {
        if (outbox.congested) return stopReadingAfterGrace();
        outbox.log(
          'system',
          'warn',
          `"${command}" exited but a background process still holds its output open; stopped reading output`,
        );
        child.stdout.destroy();
        child.stderr.destroy();
      }, OUTPUT_DRAIN_GRACE_MS);
    };
    child.once('exit', stopReadingAfterGrace);
    // 'close' comes after the exit AND the end of both pipes, so no line is lost.
    child.once('close', (code, exitSignal) => {
      clearTimeout(drainTimer);
      for (const splitter of splitters) splitter.end();
      settle(exitOutcome(code, exitSignal));
    });

    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
}

// ----------------------------------------------------------------------- main

function readSpec(data: unknown): WorkerRunSpec {
  const spec = (data as { run?: WorkerRunSpec } | null)?.run;
  if (!spec || typeof spec !== 'object' || !JOB_KINDS.includes(spec.kind)) {
    throw new JobtrayError('internal', 'run-job worker started without a valid workerData.run (WorkerRunSpec)');
  }
  return spec;
}

async function runJob(spec: WorkerRunSpec, outbox: Outbox, signal: AbortSignal): Promise<WorkerOutcome> {
  if (spec.kind === 'script') {
    if (!spec.script)
      throw new JobtrayError('internal', `Script job "${spec.job_id}" (run ${spec.run_id}) has no script path`);
    return runScript(spec, spec.script, outbox, signal);
  }
  if (!spec.argv || spec.argv.length === 0) {
    throw new JobtrayError('internal', `Command job "${spec.job_id}" (run ${spec.run_id}) has an empty argv`);
  }
  return runCommand(spec, spec.argv, outbox, signal);
}

function main(port: MessagePort, spec: WorkerRunSpec): void {
  const outbox = new Outbox(port, spec.log_window ?? Infinity);
  const controller = new AbortController();
  let finished = false;

  const onMessage = (message: EngineToWorker) => {
    if (message?.type === 'logs_written') outbox.acknowledge(message.lines);
    if (message?.type === 'cancel' && !controller.signal.aborted) {
      controller.abort(new RunAbortedError(message.reason, spec.run_id, spec.job_id));
    }
  };
  const finish = (outcome: WorkerOutcome) => {
    if (finished) return;
    finished = true;
    outbox.flush();
    port.postMessage({ type: 'result', outcome } satisfies WorkerToEngine);
    // Stop listening so the thread can end once the job's own handles are gone.
    port.off('message', onMessage);
    port.unref();
  };
  // Errors that escape the job's promise (a throw in a timer, an unhandled
  // rejection) still end the attempt with a result instead of a bare crash.
  const onEscaped = (error: unknown) => {
    if (!finished) return finish(failureFromThrow(error, controller.signal));
    outbox.log('system', 'error', `Job code failed after its result was reported: ${describe(error)}`);
    outbox.flush();
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  port.on('message', onMessage);
  captureConsole(outbox);

  runJob(spec, outbox, controller.signal).then(finish, (error: unknown) =>
    finish(failure('exception', coerceError(error))),
  );
}

if (!parentPort) throw new Error('workers/run-job.js must run as a worker thread (the engine starts it through Bree)');
const port = parentPort;
if ((workerData as { run?: unknown } | null)?.run) {
  main(port, readSpec(workerData));
} else {
  // A warm worker: started ahead of time with its modules loaded, it waits for the attempt to run.
  port.once('message', (message: EngineToWorker) => {
    if (message?.type !== 'start')
      throw new JobtrayError(
        'internal',
        `a warm run-job worker expected a start message, got ${JSON.stringify(message)?.slice(0, 100)}`,
      );
    main(port, readSpec(message));
  });
}
