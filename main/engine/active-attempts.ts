/**
 * The attempts under way, by run id: starting one for a queued run, and
 * stopping them all when the engine closes — gracefully, then forced after
 * the grace period, or at once once the close is forced.
 *
 * Invariants:
 * - An attempt is here from before its run is announced as running until its
 *   run is stored in its final state, so the job's view and health show it
 *   running exactly as long.
 * - Once forced, every attempt is killed at once, whether it was stopping
 *   already or is stopped later.
 */
import type { JobDefinition, RunRecord } from '../../contract/model.js';
import { Attempt, type AttemptContext } from './attempt.js';
import { effectiveDef, type JobRegistry } from './job-registry.js';
import type { RunQueue } from './run-queue.js';

/** What the attempts under way need from the engine. */
export interface ActiveAttemptsContext extends AttemptContext {
  readonly jobs: Pick<JobRegistry, 'get'>;
  /** Announces a run's new state (RunQueue.announce). */
  announce(run: RunRecord): void;
}

export class ActiveAttempts {
  private readonly attempts = new Map<number, Attempt>();
  /** What every attempt reaches of the engine: it leaves this map before the engine hears it ended. */
  private readonly attemptContext: AttemptContext;
  private forced = false;

  constructor(private readonly ctx: ActiveAttemptsContext) {
    this.attemptContext = {
      ...ctx,
      attemptEnded: (run: RunRecord, def: JobDefinition) => {
        this.attempts.delete(run.id);
        ctx.attemptEnded(run, def);
      },
    };
  }

  get size(): number {
    return this.attempts.size;
  }

  get(runId: number): Attempt | undefined {
    return this.attempts.get(runId);
  }

  values(): IterableIterator<Attempt> {
    return this.attempts.values();
  }

  /** The jobs with an attempt under way (one run per job at a time). */
  busyJobs(): Set<string> {
    const busy = new Set<string>();
    for (const attempt of this.attempts.values()) busy.add(attempt.run.job_id);
    return busy;
  }

  /**
   * Starts queued runs while fewer than `limit` attempts are under way: by
   * priority, then age; one run per job at a time. A run whose new state
   * cannot be stored goes back to the queue, and the queue waits.
   */
  startQueued(queue: Pick<RunQueue, 'takeNext' | 'requeue'>, limit: number): void {
    while (this.attempts.size < limit) {
      const next = queue.takeNext(this.busyJobs());
      if (!next) return;
      try {
        this.start(next);
      } catch (error) {
        queue.requeue(next);
        if (this.ctx.storage.noteFailure(error, `starting run ${next.id}`)) return;
        throw error;
      }
    }
  }

  /** Starts an attempt of a queued run with its job's definition as of now, or skips the run when the job is gone. */
  private start(queuedRun: RunRecord): void {
    const { store } = this.ctx;
    const entry = this.ctx.jobs.get(queuedRun.job_id);
    const def = entry ? effectiveDef(entry) : null;
    if (!entry || !def) {
      const reason = 'the job no longer exists in the jobs file';
      this.ctx.announce(store.updateRun(queuedRun.id, { state: 'skipped', reason, finished_at: Date.now() }));
      return;
    }
    const run = store.updateRun(queuedRun.id, { state: 'running', started_at: Date.now() });
    const attempt = new Attempt(this.attemptContext, run, def);
    // Here before it is announced: the job's view and health show it running.
    this.attempts.set(run.id, attempt);
    this.ctx.announce(run);
    attempt.start();
  }

  /**
   * Stops every attempt because the engine shuts down (graceful, forced after
   * the grace period, or at once after force()); resolves once each one's run
   * is stored as `interrupted` (or, while writing fails, waits to be:
   * storage-guard.ts).
   */
  async stopAll(): Promise<void> {
    const all = [...this.attempts.values()];
    for (const attempt of all) attempt.stop('shutdown', 'engine', this.forced);
    await Promise.all(all.map((attempt) => attempt.settled));
  }

  /** Skips the rest of the grace period: every attempt is killed now, and any stopped later at once. */
  force(): void {
    this.forced = true;
    for (const attempt of this.attempts.values()) attempt.stop('shutdown', 'engine', true);
  }
}
