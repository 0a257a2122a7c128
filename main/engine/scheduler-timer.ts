/**
 * The engine's one scheduler timer: armed for the earliest thing due (a
 * schedule slot, a retry, an overdue deadline), and what a turn does: retries
 * of the previous process's runs, due retries released, due slots fired
 * (slots.ts), every job's health refreshed.
 *
 * Invariants:
 * - At most one timer is armed, and none once the engine is closing.
 * - A turn never throws (it runs in a timer): a failure is reported to the
 *   storage guard, and the timer is armed again.
 * - While writing fails, retries wait and due fires are held (storage-guard.ts).
 */
import type { JobMonitor } from './job-monitor.js';
import type { JobRegistry } from './job-registry.js';
import type { Logger } from './logger.js';
import type { RunQueue } from './run-queue.js';
import { fireDueSlots } from './slots.js';
import type { StorageGuard } from './storage-guard.js';

/** The scheduler wakes at least this often, so wall-clock jumps and resumes from sleep are noticed. */
const MAX_TIMER_MS = 60_000;

/** What the scheduler timer needs from the engine. */
export interface SchedulerTimerContext {
  readonly jobs: Pick<JobRegistry, 'values' | 'refreshNextFire' | 'keepState'>;
  readonly monitor: Pick<JobMonitor, 'overdueAt' | 'refreshAll'>;
  readonly runs: Pick<RunQueue, 'retries' | 'retryRecovered' | 'releaseDueRetries' | 'create' | 'recordMissed'>;
  readonly storage: Pick<StorageGuard, 'writable' | 'noteFailure' | 'holdFire'>;
  readonly logger: Logger;
  isPaused(): boolean;
  isClosing(): boolean;
}

export class SchedulerTimer {
  private timer: NodeJS.Timeout | null = null;
  private dueAt: number | null = null;
  /** Since when the engine has been running and awake: slots before it were missed by downtime or sleep, later ones by a late timer. */
  private upSince = Date.now();

  constructor(private readonly ctx: SchedulerTimerContext) {}

  /** Arms the timer for the earliest thing due: a slot, a retry, an overdue deadline. */
  arm(): void {
    if (this.ctx.isClosing()) return;
    const now = Date.now();
    let due = now + MAX_TIMER_MS;
    for (const entry of this.ctx.jobs.values()) {
      if (entry.state.next_fire_at !== null) due = Math.min(due, entry.state.next_fire_at);
      const overdue = this.ctx.monitor.overdueAt(entry);
      if (overdue !== null && overdue > now) due = Math.min(due, overdue);
    }
    if (!this.ctx.isPaused()) for (const run of this.ctx.runs.retries.values()) due = Math.min(due, run.due_at ?? now);
    if (this.timer && this.dueAt === due) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => this.turn(), Math.max(0, due - now));
  }

  /** The machine woke from sleep: slots during the sleep count as missed while down, not as fired late. */
  resumed(): void {
    this.upSince = Date.now();
  }

  /** One turn now (start, resume, wake from sleep, writing works again), then armed again. */
  turn(): void {
    // The armed timer must not outlive a turn called directly.
    this.stop();
    const { runs, storage, monitor } = this.ctx;
    if (this.ctx.isClosing()) return;
    const now = Date.now();
    const paused = this.ctx.isPaused();
    try {
      if (storage.writable) runs.retryRecovered();
      if (!paused && storage.writable) runs.releaseDueRetries(now);
      if (!paused) fireDueSlots(this.ctx, now, this.upSince);
      monitor.refreshAll();
    } catch (error) {
      storage.noteFailure(error, 'the scheduler');
    }
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = null;
  }
}
