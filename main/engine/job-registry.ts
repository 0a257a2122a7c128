/**
 * The jobs the engine knows: each one's last good definition from the jobs
 * file, its config errors, the operator's overrides (stored in job_state) and
 * what the status of the jobs file is.
 *
 * Invariants:
 * - A job stays known while the jobs file has an entry for it, valid or not;
 *   an invalid entry keeps the last good definition (fileDef), null when
 *   there never was one.
 * - Overrides are stored, never written to the jobs file; an override equal
 *   to the file's value is no override.
 * - What the scheduler changes of a job's state (slots handled, next fire)
 *   changes in memory at once and is stored when writing works (keepState);
 *   an operator's change is stored first or refused.
 */
import type { ConfigError, ConfigStatus, JobDefinition, JobHealth, RunRecord } from '../../contract/model.js';
import { JobtrayError } from '../../contract/errors.js';
import { nextFireAfter } from '../../contract/schedule.js';
import { parseSchedule, type LoadResult } from './jobs-file/index.js';
import type { StorageGuard } from './storage-guard.js';
import { definedOnly } from './store/inputs.js';
import type { JobStateRow, Store } from './store/index.js';

export interface JobEntry {
  id: string;
  /** Last good definition from the jobs file (null: only an invalid entry exists). */
  fileDef: JobDefinition | null;
  errors: ConfigError[];
  state: JobStateRow;
  /** Since when the job is scheduled without interruption (enabled, resumed, rescheduled); overdue counts from here at the earliest. */
  scheduledSince: number;
  lastRun: RunRecord | null;
  /** Newest terminal, non-skipped run. */
  lastFinished: RunRecord | null;
  health: JobHealth;
  /** Last settled health (not running/retrying); undefined until first computed, which never alerts. */
  settled: JobHealth | null | undefined;
  /** The job's view as last announced (JSON), to announce only changes. */
  view: string;
}

export interface JobRegistryContext {
  readonly store: Pick<Store, 'getJobState' | 'upsertJobState' | 'listRuns' | 'latestFinishedRun'>;
  readonly storage: Pick<StorageGuard, 'defer'>;
  /** Absolute path of the jobs file. */
  readonly jobsFile: string;
}

/** The file's definition with the operator's overrides applied. */
export function effectiveDef(entry: JobEntry): JobDefinition | null {
  if (!entry.fileDef) return null;
  const { enabled_override, schedule_override } = entry.state;
  if (enabled_override === null && schedule_override === null) return entry.fileDef;
  return {
    ...entry.fileDef,
    enabled: enabled_override ?? entry.fileDef.enabled,
    schedule: schedule_override ?? entry.fileDef.schedule,
  };
}

export class JobRegistry {
  private readonly jobs = new Map<string, JobEntry>();
  private configStatus: ConfigStatus;
  /** The config errors last alerted, so an unchanged broken file alerts once. */
  private alertedErrors = '';
  /** Entries whose state in memory waits to be stored (keepState); a job removed and added again is a new entry. */
  private readonly unsaved = new WeakSet<Pick<JobEntry, 'id' | 'state'>>();

  constructor(private readonly ctx: JobRegistryContext) {
    this.configStatus = { file: ctx.jobsFile, errors: [], loaded_at: 0, applied_at: null };
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The jobs file as last read. */
  get status(): ConfigStatus {
    return this.configStatus;
  }

  get(jobId: string): JobEntry | undefined {
    return this.jobs.get(jobId);
  }

  values(): IterableIterator<JobEntry> {
    return this.jobs.values();
  }

  /** The job, or `not_found` naming the known jobs. */
  entry(jobId: string): JobEntry {
    const entry = this.jobs.get(jobId);
    if (!entry) {
      const known = [...this.jobs.keys()].sort();
      throw new JobtrayError(
        'not_found',
        `job "${jobId}" does not exist${known.length ? `; known jobs: ${known.join(', ')}` : ''}`,
        { known },
      );
    }
    return entry;
  }

  /** The job and its definition to run now; `conflict` when its entry in the jobs file is invalid. */
  runnable(jobId: string): { entry: JobEntry; def: JobDefinition } {
    const entry = this.entry(jobId);
    const def = effectiveDef(entry);
    if (!def) {
      const why = entry.errors[0]?.message ?? 'see config errors';
      throw new JobtrayError(
        'conflict',
        `job "${jobId}" cannot run: its entry in ${this.ctx.jobsFile} is invalid (${why})`,
      );
    }
    return { entry, def };
  }

  /**
   * Takes in a read of the jobs file. Valid entries replace their jobs' file
   * definitions; an invalid entry keeps its job (and last good definition);
   * a file that cannot be read at all (fatal) changes no job. Returns the ids
   * of the jobs no longer in the file (already forgotten), and whether its
   * errors are news: not the same as at the last read that had errors.
   */
  applyFile(result: LoadResult, now: number): { removed: string[]; newErrors: boolean } {
    const applied = !result.fatal;
    this.configStatus = {
      file: this.ctx.jobsFile,
      errors: result.errors,
      loaded_at: now,
      applied_at: applied ? now : this.configStatus.applied_at,
    };
    const errorsKey = result.errors.length > 0 ? JSON.stringify(result.errors.map((e) => e.message)) : '';
    const newErrors = errorsKey !== '' && errorsKey !== this.alertedErrors;
    this.alertedErrors = errorsKey;
    if (!applied) return { removed: [], newErrors };
    const errorsByJob = new Map<string, ConfigError[]>();
    for (const error of result.errors) {
      if (error.job_id) errorsByJob.set(error.job_id, [...(errorsByJob.get(error.job_id) ?? []), error]);
    }
    const valid = new Map(result.jobs.map((j) => [j.id, j]));
    const keep = new Set([...valid.keys(), ...result.invalid_ids]);
    const removed = [...this.jobs.keys()].filter((id) => !keep.has(id));
    for (const id of removed) this.jobs.delete(id);
    for (const id of keep) {
      const entry = this.jobs.get(id) ?? this.newEntry(id);
      entry.fileDef = valid.get(id) ?? entry.fileDef;
      entry.errors = errorsByJob.get(id) ?? [];
      this.jobs.set(id, entry);
    }
    return { removed, newErrors };
  }

  /** Enables or disables a job (`null`: the file's value). Returns the stored override before and after. */
  setEnabledOverride(
    entry: JobEntry,
    enabled: boolean | null,
    now: number,
  ): { before: boolean | null; after: boolean | null } {
    const before = entry.state.enabled_override;
    const fileEnabled = entry.fileDef?.enabled ?? true;
    const override = enabled === null || enabled === fileEnabled ? null : enabled;
    const wasEnabled = effectiveDef(entry)?.enabled ?? false;
    const patch: Partial<JobStateRow> = { enabled_override: override };
    // A job enabled again starts its schedule from now: the slots it had while disabled were not "missed".
    if (!wasEnabled && (override ?? fileEnabled)) {
      patch.last_slot_at = now;
      entry.scheduledSince = now;
    }
    this.saveState(entry, patch);
    return { before, after: override };
  }

  /**
   * Overrides a job's schedule (`{cron, timezone?}`, `{every}` or `{at}`;
   * `null`: the file's), starting it from now. Invalid input throws
   * `invalid_input`. Returns the stored override before and after.
   */
  setScheduleOverride(
    entry: JobEntry,
    input: unknown,
    now: number,
  ): { before: JobStateRow['schedule_override']; after: JobStateRow['schedule_override'] } {
    let schedule = null;
    if (input !== null) {
      const parsed = parseSchedule(input, `schedule override for job "${entry.id}"`);
      if (parsed.errors.length > 0 || !parsed.schedule) {
        throw new JobtrayError(
          'invalid_input',
          parsed.errors.join('; ') ||
            `schedule override for job "${entry.id}": a schedule is required (cron, every or at)`,
        );
      }
      schedule = parsed.schedule;
    }
    const before = entry.state.schedule_override;
    this.restartSchedule(entry, now, { schedule_override: schedule });
    return { before, after: schedule };
  }

  /** The job's schedule continues from `now`: slots before it count as handled, not missed. */
  restartSchedule(entry: JobEntry, now: number, patch: Partial<JobStateRow> = {}): void {
    entry.scheduledSince = now;
    this.saveState(entry, { ...patch, last_slot_at: now });
  }

  /** Every job's schedule continues from `now` (the engine resumed), with its next fire time. */
  restartSchedules(now: number): void {
    for (const entry of this.jobs.values()) {
      this.restartSchedule(entry, now);
      this.refreshNextFire(entry, false);
    }
  }

  /** Stores when the job fires next: the first slot after the last one handled (none while disabled or paused). */
  refreshNextFire(entry: JobEntry, paused: boolean): void {
    const def = effectiveDef(entry);
    // In the past when slots were missed, and then due at once (see slots.ts).
    const since = entry.state.last_slot_at ?? entry.state.first_seen_at;
    const next = def && def.enabled && !paused ? nextFireAfter(def.schedule, since, since) : null;
    if (next !== entry.state.next_fire_at) this.keepState(entry, { next_fire_at: next });
  }

  /**
   * Changes the job's state in memory now and stores it; while writing fails
   * (storage-guard.ts) the state as it is then is stored once writing works.
   */
  keepState(entry: Pick<JobEntry, 'id' | 'state'>, patch: Partial<Omit<JobStateRow, 'job_id'>>): void {
    entry.state = { ...entry.state, ...definedOnly(patch), updated_at: Date.now() };
    if (this.unsaved.has(entry)) return;
    this.unsaved.add(entry);
    const store = () => {
      const { job_id, ...state } = entry.state;
      this.ctx.store.upsertJobState(job_id, state);
      this.unsaved.delete(entry);
    };
    this.ctx.storage.defer(`storing the state of job "${entry.id}"`, store);
  }

  /** An operator's change: stored at once over the state in memory, or refused (throws). */
  private saveState(entry: JobEntry, patch: Partial<Omit<JobStateRow, 'job_id'>>): void {
    // updated_at is the store's to set.
    const { job_id, updated_at: _updatedAt, ...current } = entry.state;
    entry.state = this.ctx.store.upsertJobState(job_id, { ...current, ...patch });
  }

  private newEntry(id: string): JobEntry {
    const now = Date.now();
    const stored = this.ctx.store.getJobState(id);
    const state = stored ?? {
      job_id: id,
      enabled_override: null,
      schedule_override: null,
      last_fire_at: null,
      next_fire_at: null,
      last_slot_at: now,
      first_seen_at: now,
      updated_at: now,
    };
    const lastRun = this.ctx.store.listRuns({ job_id: id, limit: 1 }).runs[0] ?? null;
    const entry: JobEntry = {
      id,
      fileDef: null,
      errors: [],
      state,
      scheduledSince: 0,
      lastRun,
      lastFinished: this.ctx.store.latestFinishedRun(id),
      health: 'ok',
      settled: undefined,
      view: '',
    };
    if (!stored) this.keepState(entry, {});
    return entry;
  }
}
