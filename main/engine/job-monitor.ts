/**
 * Keeps what the operator sees of each job current: its health, its view
 * (JobView) and the overall health, announced as `job:state` and
 * `health:change` when they change, with failure and recovery alerts on
 * transitions of a job's settled health (see health.ts).
 */
import type { HealthSnapshot, JobHealth, JobStats, JobView, RunRecord, Settings } from '../../contract/model.js';
import { EMPTY_JOB_STATS, isTerminal } from '../../contract/model.js';
import { overdueDeadline } from '../../contract/schedule.js';
import { healthAlert } from './alerts.js';
import type { EngineEvents } from './events.js';
import { healthChanged, jobHealth, nextSettledHealth, overallHealth } from './health.js';
import { effectiveDef, type JobEntry, type JobRegistry } from './job-registry.js';
import type { StorageGuard } from './storage-guard.js';
import type { Store } from './store/index.js';

/** The window of JobView.stats_24h. */
const STATS_WINDOW_MS = 24 * 3_600_000;
/**
 * How long computed job stats are reused: a job list or a burst of job:state
 * events costs one stats query, not one per job. A run ending counts its job's
 * again at once, so only runs leaving the window at its old end can show up to
 * this late.
 */
export const STATS_TTL_MS = 1_000;

/** The engine's runs of a job, as far as its health and view show them. */
export interface JobRuns {
  /** Its running runs, then its queued ones. */
  pendingOf(jobId: string): RunRecord[];
  running(jobId: string): boolean;
  /** A retry waits for its due time, or for a slot. */
  retryPending(jobId: string): boolean;
}

export interface JobMonitorContext {
  readonly jobs: Pick<JobRegistry, 'get' | 'values' | 'status'>;
  readonly runs: JobRuns;
  readonly store: Pick<Store, 'jobStats' | 'jobStatsOf' | 'isOpen'>;
  readonly events: Pick<EngineEvents, 'emit'>;
  /** The storage problem, part of the overall health. */
  readonly storage: Pick<StorageGuard, 'problem'>;
  settings(): Pick<Settings, 'overdue_grace_ms'>;
  isPaused(): boolean;
}

export class JobMonitor {
  private lastHealth: HealthSnapshot | null = null;
  /** Every job's stats_24h, as last computed (see jobStats). */
  private stats: { at: number; byJob: Map<string, JobStats> } | null = null;

  constructor(private readonly ctx: JobMonitorContext) {}

  /** The overall health as last announced, with a storage problem's counts as of now. */
  health(): HealthSnapshot {
    const last = this.lastHealth ?? this.computeHealth();
    return last.storage ? { ...last, storage: this.ctx.storage.problem() ?? last.storage } : last;
  }

  /**
   * Takes in a run's new state before it is announced: the job's last runs,
   * and the stats (an outcome changes them: the views announced next must
   * include it). Returns the run's job, if it is known.
   */
  noteRun(run: RunRecord): JobEntry | undefined {
    const entry = this.ctx.jobs.get(run.job_id);
    if (entry) {
      entry.lastRun = entry.lastRun && entry.lastRun.id > run.id ? entry.lastRun : run;
      if (isTerminal(run.state) && run.state !== 'skipped') entry.lastFinished = run;
    }
    // An outcome changes its job's stats: only that job's are counted again (not every job's, per run).
    if (isTerminal(run.state) && this.stats && this.ctx.store.isOpen()) {
      const stats = this.ctx.store.jobStatsOf(run.job_id, Date.now() - STATS_WINDOW_MS);
      if (stats) this.stats.byJob.set(run.job_id, stats);
      else this.stats.byJob.delete(run.job_id);
    }
    return entry;
  }

  /** When the job turns overdue, or null (disabled, paused, no deadline). */
  overdueAt(entry: JobEntry): number | null {
    const def = effectiveDef(entry);
    if (!def || !def.enabled || this.ctx.isPaused()) return null;
    const lastCompleted = entry.lastFinished?.finished_at ?? null;
    const base = lastCompleted === null ? null : Math.max(lastCompleted, entry.scheduledSince);
    return overdueDeadline(
      def.schedule,
      base,
      Math.max(entry.state.first_seen_at, entry.scheduledSince),
      this.ctx.settings().overdue_grace_ms,
    );
  }

  jobView(entry: JobEntry): JobView {
    const def = effectiveDef(entry);
    const activeIds = this.ctx.runs
      .pendingOf(entry.id)
      .map((run) => run.id)
      .sort((x, y) => x - y);
    return {
      id: entry.id,
      definition: def,
      file_schedule: entry.fileDef?.schedule ?? null,
      file_enabled: entry.fileDef?.enabled ?? true,
      overrides: { enabled: entry.state.enabled_override, schedule: entry.state.schedule_override },
      enabled: def?.enabled ?? false,
      health: entry.health,
      last_run: entry.lastRun,
      active_run_ids: activeIds,
      next_fire_at: entry.state.next_fire_at,
      last_fire_at: entry.state.last_fire_at,
      config_errors: entry.errors,
      stats_24h: this.jobStats().get(entry.id) ?? EMPTY_JOB_STATS,
    };
  }

  /** Recomputes a job's health and view; emits `job:state` and `health:change` when they changed. */
  refreshJob(entry: JobEntry, force = false): void {
    entry.health = this.computeJobHealth(entry);
    this.alertOnTransition(entry);
    const view = this.jobView(entry);
    const key = JSON.stringify(view);
    if (force || key !== entry.view) {
      entry.view = key;
      this.ctx.events.emit('job:state', view);
    }
    this.emitHealth();
  }

  /** refreshJob for every job; `force` announces every view, changed or not. */
  refreshAll(force = false): void {
    for (const entry of this.ctx.jobs.values()) this.refreshJob(entry, force);
    this.emitHealth();
  }

  /** Every job's stats_24h from one store query, reused for STATS_TTL_MS; the last ones once the store is closed. */
  private jobStats(): Map<string, JobStats> {
    const now = Date.now();
    const fresh = this.stats !== null && now - this.stats.at < STATS_TTL_MS;
    if (!fresh && this.ctx.store.isOpen())
      this.stats = { at: now, byJob: this.ctx.store.jobStats(now - STATS_WINDOW_MS) };
    return this.stats?.byJob ?? new Map();
  }

  private computeJobHealth(entry: JobEntry): JobHealth {
    const def = effectiveDef(entry);
    return jobHealth({
      enabled: def?.enabled ?? true,
      invalid: entry.errors.length > 0,
      // Queued runs do not count: a job whose runs wait for a slot past their period is overdue.
      running: this.ctx.runs.running(entry.id),
      // A retry waiting for its due time, or for a slot, keeps the job `retrying`.
      retryPending: this.ctx.runs.retryPending(entry.id),
      lastFinished: entry.lastFinished,
      overdueAt: this.overdueAt(entry),
      now: Date.now(),
    });
  }

  /** Failure and recovery alerts, on transitions of the settled health only (see health.ts). */
  private alertOnTransition(entry: JobEntry): void {
    const settled = nextSettledHealth(entry.settled ?? null, entry.health);
    const previous = entry.settled;
    entry.settled = settled;
    if (previous === undefined || settled === null || settled === previous) return;
    const def = effectiveDef(entry);
    const alert = def
      ? healthAlert({ job_id: entry.id, from: previous, to: settled }, def.notify, entry.lastFinished, Date.now())
      : null;
    if (alert) this.ctx.events.emit('job:alert', alert);
  }

  private computeHealth(): HealthSnapshot {
    const jobs: Record<string, JobHealth> = {};
    for (const entry of this.ctx.jobs.values()) jobs[entry.id] = entry.health;
    const fileErrors = this.ctx.jobs.status.errors.filter((e) => e.job_id === null).length;
    return overallHealth(jobs, {
      configErrorCount: fileErrors,
      paused: this.ctx.isPaused(),
      storage: this.ctx.storage.problem(),
    });
  }

  private emitHealth(): void {
    const snapshot = this.computeHealth();
    if (healthChanged(this.lastHealth, snapshot)) {
      this.lastHealth = snapshot;
      this.ctx.events.emit('health:change', snapshot);
    }
  }
}
