/**
 * The runs that are not running: created (queued, or skipped with a reason),
 * waiting for a retry's due time, dropped with their job; and what follows
 * an ended attempt (its retry, its chains, the timeout alert). The engine's
 * dispatch takes queued runs from here and starts their attempts.
 *
 * Invariants:
 * - Every run state change is announced through announce(): the job's last
 *   runs, stats, view and health follow it.
 * - A retry is persisted before the attempt it follows is announced, so the
 *   job goes straight from running to retrying.
 * - A run leaves the queue or the retries only once its new state is stored
 *   (or, for a removed job's runs, waits to be: storage-guard.ts).
 */
import type { Actor, JobDefinition, ParamValues, RunRecord, RunTrigger } from '../../contract/model.js';
import { FAILED_STATES, PRIORITY_RANK, isTerminal } from '../../contract/model.js';
import { JobtrayError, coerceError } from '../../contract/errors.js';
import { timeoutAlert } from './alerts.js';
import { retryDelay, shouldRetry } from './backoff.js';
import type { EngineEvents } from './events.js';
import type { JobRuns, JobMonitor } from './job-monitor.js';
import { effectiveDef, type JobEntry, type JobRegistry } from './job-registry.js';
import type { Logger } from './logger.js';
import { resolveParams } from './params.js';
import { killRunProcesses, runKey } from './run-processes.js';
import type { HeldFire, StorageGuard } from './storage-guard.js';
import type { Store } from './store/index.js';

/** What the run queue needs from the engine. */
export interface RunQueueContext {
  readonly store: Pick<
    Store,
    'insertRun' | 'insertRuns' | 'updateRun' | 'getRun' | 'runsInStates' | 'findRunByIdempotencyKey'
  >;
  readonly storage: Pick<StorageGuard, 'defer'>;
  readonly events: Pick<EngineEvents, 'emit'>;
  readonly logger: Logger;
  readonly jobs: Pick<JobRegistry, 'get'>;
  readonly monitor: Pick<JobMonitor, 'noteRun' | 'refreshJob'>;
  /** The attempts under way. */
  readonly active: { values(): Iterable<{ readonly run: RunRecord }> };
  /** Identifies this data directory in the run keys of child processes (see run-processes.ts). */
  readonly storeId: string;
  isClosing(): boolean;
  /** Starts queued runs while slots are free. */
  dispatch(): void;
  /** Re-arms the scheduler timer: a retry is due at a new time. */
  armTimer(): void;
}

/** A manual run's Idempotency-Key is remembered this long. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export interface NewRunOptions {
  trigger: RunTrigger;
  actor: Actor;
  params: ParamValues;
  parent: RunRecord | null;
  idempotencyKey?: string | null;
}

export class RunQueue implements JobRuns {
  /** Runs waiting for a slot; dispatch takes them out in priority order (takeNext). */
  private readonly queued = new Map<number, RunRecord>();
  /** Runs waiting for their due time (`retry_scheduled`). */
  readonly retries = new Map<number, RunRecord>();
  /** Runs the previous process left running, interrupted at start; retried once the jobs file is loaded. */
  private recovered: RunRecord[] = [];
  /** Retry chains that already raised a timeout alert. */
  private readonly timeoutAlerted = new Set<number>();

  constructor(private readonly ctx: RunQueueContext) {}

  /** Records a new run of `entry`: queued (and dispatched), or skipped with its reason (disabled, overlap). */
  create(entry: JobEntry, def: JobDefinition, opts: NewRunOptions): RunRecord {
    const base = {
      job_id: def.id,
      trigger: opts.trigger,
      requested_by: opts.actor,
      params: opts.params,
      attempt: 1,
      max_attempts: 1 + def.retries.max,
      parent_run_id: opts.parent?.id ?? null,
      priority: def.priority,
      idempotency_key: opts.idempotencyKey ?? null,
    };
    const skip = this.skipReason(entry, def, opts.trigger);
    if (skip) {
      const run = this.ctx.store.insertRun({ ...base, state: 'skipped', reason: skip, finished_at: Date.now() });
      this.announce(run);
      return run;
    }
    return this.enqueue(this.ctx.store.insertRun({ ...base, state: 'queued' }));
  }

  /** The run a manual trigger of `jobId` with this Idempotency-Key created (within 24 h), or null; `conflict` when the key was used for another job. */
  byIdempotencyKey(key: string, jobId: string): RunRecord | null {
    const previous = this.ctx.store.findRunByIdempotencyKey(key, Date.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous && previous.job_id !== jobId) {
      throw new JobtrayError(
        'conflict',
        `Idempotency-Key "${key}" was already used for run ${previous.id} of job "${previous.job_id}"`,
      );
    }
    return previous;
  }

  /** Queues a stored `queued` run and dispatches; returns it as stored after dispatch (perhaps running already). */
  enqueue(run: RunRecord): RunRecord {
    this.queued.set(run.id, run);
    this.announce(run);
    this.ctx.dispatch();
    return this.ctx.store.getRun(run.id) ?? run;
  }

  /** Every run state change goes out through here: the job's last runs, stats, view and health follow. */
  announce(run: RunRecord): void {
    const entry = this.ctx.monitor.noteRun(run);
    if (run.state === 'retry_scheduled') this.retries.set(run.id, run);
    this.ctx.events.emit('run:state', run);
    if (entry) this.ctx.monitor.refreshJob(entry);
  }

  /**
   * Takes the queued run to start next out of the queue: by priority, then
   * age, passing over the jobs in `busyJobs` (one run per job at a time).
   */
  takeNext(busyJobs: ReadonlySet<string>): RunRecord | null {
    // One pass, no sort: dispatch runs on every trigger and every finished run, with the whole queue waiting.
    let next: RunRecord | null = null;
    for (const r of this.queued.values()) {
      if (busyJobs.has(r.job_id)) continue;
      if (
        !next ||
        PRIORITY_RANK[r.priority] < PRIORITY_RANK[next.priority] ||
        (r.priority === next.priority && r.id < next.id)
      )
        next = r;
    }
    if (next) this.queued.delete(next.id);
    return next;
  }

  /** A run takeNext gave out that could not start (its state could not be stored): it waits again. */
  requeue(run: RunRecord): void {
    this.queued.set(run.id, run);
  }

  /** Cancels a run that is queued or waiting for its retry. */
  cancelWaiting(runId: number, actor: Actor): RunRecord {
    const updated = this.ctx.store.updateRun(runId, {
      state: 'cancelled',
      error_code: 'cancelled',
      reason: `cancelled by ${actor}`,
      finished_at: Date.now(),
      duration_ms: null,
    });
    this.queued.delete(runId);
    this.retries.delete(runId);
    this.announce(updated);
    return updated;
  }

  /** A pending retry becomes due at once. */
  retryNow(runId: number): RunRecord {
    const queued = this.ctx.store.updateRun(runId, { state: 'queued', due_at: null });
    this.retries.delete(runId);
    return this.enqueue(queued);
  }

  /**
   * An operator's retry of an ended run: a new attempt with its params,
   * queued now. Only failed, timed-out, interrupted or cancelled runs; the
   * job's definition is asked for once that is checked (`definition` may throw).
   */
  retryEnded(run: RunRecord, definition: () => JobDefinition, actor: Actor): RunRecord {
    if (!isTerminal(run.state) || run.state === 'succeeded' || run.state === 'skipped') {
      throw new JobtrayError(
        'conflict',
        `run ${run.id} is ${run.state}; only failed, timed out, interrupted or cancelled runs can be retried`,
      );
    }
    return this.insertRetry(run, definition(), { requested_by: actor, state: 'queued' });
  }

  /** Inserts the next attempt of `run`'s chain. An operator's retry of a chain's last attempt extends the chain by one. */
  insertRetry(
    run: RunRecord,
    def: JobDefinition,
    fields: { requested_by: Actor; state: 'queued' | 'retry_scheduled'; due_at?: number },
  ): RunRecord {
    return this.ctx.store.insertRun({
      job_id: run.job_id,
      trigger: 'retry',
      params: run.params,
      attempt: run.attempt + 1,
      max_attempts: Math.max(run.max_attempts, run.attempt + 1),
      parent_run_id: run.id,
      root_run_id: run.root_run_id,
      priority: def.priority,
      ...fields,
    });
  }

  /** Skips the waiting runs of a job (removed from the jobs file). */
  dropPending(jobId: string, reason: string): void {
    for (const map of [this.queued, this.retries]) {
      for (const run of [...map.values()]) {
        if (run.job_id !== jobId) continue;
        map.delete(run.id);
        const patch = { state: 'skipped' as const, reason, finished_at: Date.now() };
        this.ctx.storage.defer(
          `skipping run ${run.id}`,
          () => this.ctx.store.updateRun(run.id, patch),
          (skipped) => this.announce(skipped),
        );
      }
    }
  }

  /**
   * Announces an ended attempt together with what follows it: its retry is
   * persisted before either is announced (so the job goes straight from
   * running to retrying), or its chains start.
   */
  afterAttempt(run: RunRecord, def: JobDefinition): void {
    let retry: RunRecord | null = null;
    try {
      retry = shouldRetry(def, run).retry ? this.scheduleRetry(run, def) : null;
    } catch (error) {
      // Writing failed just now (storage-guard.ts has it): the chain ends with this attempt, said in the log.
      this.ctx.logger.error(`run ${run.id}: its retry could not be scheduled: ${coerceError(error).message}`);
    }
    // One timeout alert per retry chain, even when several attempts time out.
    if (run.state === 'timed_out' && def.notify.on_timeout && !this.timeoutAlerted.has(run.root_run_id)) {
      this.timeoutAlerted.add(run.root_run_id);
      this.ctx.events.emit('job:alert', timeoutAlert(run, retry !== null, Date.now()));
    }
    if (!retry) this.timeoutAlerted.delete(run.root_run_id);
    this.announce(run);
    if (retry) {
      this.announce(retry);
      this.ctx.armTimer();
      return;
    }
    if (this.ctx.isClosing()) return;
    const chain = run.state === 'succeeded' ? def.on_success : FAILED_STATES.includes(run.state) ? def.on_failure : [];
    for (const target of chain) {
      const entry = this.ctx.jobs.get(target);
      const targetDef = entry ? effectiveDef(entry) : null;
      if (!entry || !targetDef) {
        this.ctx.logger.warn(`run ${run.id}: chained job "${target}" does not exist or is invalid; not started`);
        continue;
      }
      try {
        this.create(entry, targetDef, {
          trigger: 'chain',
          actor: 'engine',
          params: resolveParams(targetDef, {}),
          parent: run,
        });
      } catch (error) {
        this.ctx.logger.warn(`run ${run.id}: chained job "${target}" not started: ${coerceError(error).message}`);
      }
    }
  }

  /**
   * Takes over what the previous process left in the store, at start. Runs it
   * left `running` become `interrupted` (retried when their job allows, see
   * retryRecovered) and their leftover processes are killed. Queued runs
   * never started, so nothing of them ran: they stay queued, with their
   * priority, age and params, and start under the usual rules once the jobs
   * file is loaded. Pending retries keep their stored due time.
   */
  async recover(): Promise<void> {
    const now = Date.now();
    for (const run of this.ctx.store.runsInStates(['running'])) {
      const killed = await killRunProcesses(runKey(this.ctx.storeId, run.id));
      if (killed.length > 0)
        this.ctx.logger.warn(
          `run ${run.id}: killed ${killed.length} leftover process(es) of the previous engine: ${killed.join(', ')}`,
        );
      const interrupted = this.ctx.store.updateRun(run.id, {
        state: 'interrupted',
        error: 'Jobtray stopped while the run was running',
        error_code: 'interrupted',
        reason: 'engine stopped unexpectedly',
        finished_at: now,
        duration_ms: run.started_at === null ? null : now - run.started_at,
      });
      this.recovered.push(interrupted);
    }
    for (const run of this.ctx.store.runsInStates(['queued'])) this.queued.set(run.id, run);
    for (const run of this.ctx.store.runsInStates(['retry_scheduled'])) this.retries.set(run.id, run);
  }

  /** Interrupted runs from the previous process: retried per policy once jobs are known. */
  retryRecovered(): void {
    for (const run of this.recovered.splice(0)) {
      const entry = this.ctx.jobs.get(run.job_id);
      const def = entry ? effectiveDef(entry) : null;
      if (def) this.afterAttempt(run, def);
    }
  }

  /** Retries due by `now` are queued, or skipped when their job is gone or disabled. */
  releaseDueRetries(now: number): void {
    for (const run of [...this.retries.values()]) {
      if ((run.due_at ?? 0) > now) continue;
      const entry = this.ctx.jobs.get(run.job_id);
      const def = entry ? effectiveDef(entry) : null;
      const reason = !def ? 'the job no longer exists in the jobs file' : !def.enabled ? 'the job is disabled' : null;
      const updated = this.ctx.store.updateRun(
        run.id,
        reason ? { state: 'skipped', reason, finished_at: now } : { state: 'queued' },
      );
      this.retries.delete(run.id);
      if (reason) this.announce(updated);
      else this.enqueue(updated);
    }
  }

  /** Records the scheduled fires of `jobId` held while writing failed as skipped runs, in one transaction, and announces them. */
  recordHeldFires(jobId: string, fires: readonly HeldFire[]): void {
    this.insertSkippedFires(
      jobId,
      fires.map((fire) => ({ trigger: fire.trigger, reason: heldReason(fire), at: fire.at, until: fire.until })),
    );
  }

  /** Records a job's missed schedule slots (slots.ts) as one skipped run with its reason, and announces it. */
  recordMissed(jobId: string, reason: string, at: number): void {
    this.insertSkippedFires(jobId, [{ trigger: 'schedule', reason, at, until: at }]);
  }

  private insertSkippedFires(
    jobId: string,
    fires: readonly { trigger: RunTrigger; reason: string; at: number; until: number }[],
  ): void {
    const entry = this.ctx.jobs.get(jobId);
    const def = entry ? effectiveDef(entry) : null;
    const runs = this.ctx.store.insertRuns(
      fires.map((fire) => ({
        job_id: jobId,
        trigger: fire.trigger,
        requested_by: 'engine' as const,
        params: {},
        state: 'skipped' as const,
        attempt: 1,
        max_attempts: 1 + (def?.retries.max ?? 0),
        parent_run_id: null,
        priority: def?.priority ?? 'normal',
        reason: fire.reason,
        created_at: fire.at,
        finished_at: fire.until,
      })),
    );
    for (const run of runs) this.announce(run);
  }

  pendingOf(jobId: string): RunRecord[] {
    const runs: RunRecord[] = [];
    for (const attempt of this.ctx.active.values()) if (attempt.run.job_id === jobId) runs.push(attempt.run);
    for (const run of this.queued.values()) if (run.job_id === jobId) runs.push(run);
    return runs;
  }

  running(jobId: string): boolean {
    for (const attempt of this.ctx.active.values()) if (attempt.run.job_id === jobId) return true;
    return false;
  }

  retryPending(jobId: string): boolean {
    for (const run of this.retries.values()) if (run.job_id === jobId) return true;
    for (const run of this.queued.values()) if (run.job_id === jobId && run.trigger === 'retry') return true;
    return false;
  }

  /** Why a new run of this job is recorded as skipped instead of queued, or null. */
  private skipReason(entry: JobEntry, def: JobDefinition, trigger: RunTrigger): string | null {
    if (!def.enabled && trigger !== 'manual') return 'the job is disabled';
    if (def.overlap === 'skip') {
      const busy = this.pendingOf(entry.id)[0];
      if (busy) return `overlap: run ${busy.id} of this job is still ${busy.state}`;
    }
    return null;
  }

  /** Persists the next attempt as `retry_scheduled`, due its delay after `run` ended (announced by the caller). */
  private scheduleRetry(run: RunRecord, def: JobDefinition): RunRecord {
    const dueAt = (run.finished_at ?? Date.now()) + retryDelay(def.retries, run.attempt);
    const retry = this.insertRetry(run, def, { requested_by: 'engine', state: 'retry_scheduled', due_at: dueAt });
    this.retries.set(retry.id, retry);
    return retry;
  }
}

/** Why a held fire was skipped: "disk full: cannot write to … (SQLITE_FULL: …); the run was not started". */
function heldReason(fire: HeldFire): string {
  if (fire.count === 1) return `${fire.reason}; the run was not started`;
  const span = `${new Date(fire.at).toISOString()} to ${new Date(fire.until).toISOString()}`;
  return `${fire.reason}; ${fire.count} scheduled runs from ${span} were not started`;
}
