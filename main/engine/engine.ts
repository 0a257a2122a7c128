import fs from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { ConfigError, ConfigStatus, HealthSnapshot, JobDefinition, JobHealth, JobStats, JobView, LogPage, LogQuery, RunFilter, RunPage, RunRecord, Settings, Actor, ArtifactRecord, AuditEntry, ParamValues, RunTrigger, LogLineInput, StopReason } from '../../contract/model.js';
import { DEFAULT_SETTINGS, EMPTY_JOB_STATS, FAILED_STATES, PRIORITY_RANK, isTerminal } from '../../contract/model.js';
import { JobtrayError, coerceError } from '../../contract/errors.js';
import { unpackLogLines, type WorkerRunSpec, type WorkerToEngine } from '../../contract/worker-protocol.js';
import { ensureJobsFile, loadJobsFile, parseSchedule, type LoadResult } from './jobs-file/index.js';
import { formatDuration } from '../../contract/durations.js';
import { paramEnv, renderArgv, resolveParams } from './params.js';
import { openStore, type JobStateRow, type Store } from './store/index.js';
import { Runner, type AttemptHandle } from './runner.js';
import { EngineEvents } from './events.js';
import { createLogger, type Logger } from './logger.js';
import { killTree } from './process-tree.js';
import { lastSlotBetween, nextFireAfter, overdueDeadline } from '../../contract/schedule.js';
import { retryDelay, shouldRetry } from './backoff.js';
import { jobHealth, overallHealth, healthChanged, nextSettledHealth, notificationFor } from './health.js';
import { settleAttempt, settlementPatch } from './outcome.js';
import { removeArtifactFiles, storeArtifact } from './artifacts.js';
import { defaultResourcesDir, defaultWorkerPath } from './paths.js';
import { RUN_KEY_ENV, killRunProcesses, runKey } from './run-processes.js';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface EngineOptions {
  /** Where the database, logs, artifacts and (by default) the jobs file live. */
  dataDir: string;
  /** Defaults to `<dataDir>/jobs.yaml`, created from the demo template on first start. */
  jobsFile?: string;
  /** Settings for this engine instance, over the stored ones (not persisted). */
  settings?: Partial<Settings>;
  /** Watch the jobs file and apply changes (default true). */
  watch?: boolean;
  workerPath?: string;
  resourcesDir?: string;
  /** better-sqlite3 native binding to load (the Electron app uses an Electron-ABI build). */
  nativeBinding?: string;
  logger?: Logger;
  /** Console level of the default logger. */
  consoleLog?: 'debug' | 'info' | 'warn' | 'error' | false;
}

export interface TriggerOptions {
  params?: Record<string, unknown>;
  actor: Actor;
  /** A repeated key (within 24 h) returns the run it created instead of starting another. */
  idempotencyKey?: string;
}

/** A scheduled slot within this much of its time counts as on time; later ones were missed (downtime, sleep). */
const ON_TIME_TOLERANCE_MS = 30_000;
/** The scheduler wakes at least this often, so wall-clock jumps and resumes from sleep are noticed. */
const MAX_TIMER_MS = 60_000;
/** Log lines are written in batches: at most this long after the first pending line... */
const LOG_FLUSH_MS = 25;
/** ...or on the next turn of the event loop once this many are pending. One transaction writes at most this many. */
const LOG_FLUSH_LINES = 1_000;
/**
 * A worker posts at most this many log lines ahead of the store
 * (WorkerRunSpec.log_window). Node delivers a worker's queued messages in one
 * go, so this bounds how long the event loop spends receiving, and a job
 * that prints faster than the store writes waits instead of filling memory.
 */
const LOG_WINDOW_LINES = 8 * LOG_FLUSH_LINES;
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** The window of JobView.stats_24h. */
const STATS_WINDOW_MS = 24 * 3_600_000;
/**
 * How long computed job stats are reused: a job list or a burst of job:state
 * events costs one stats query, not one per job. A run ending drops them at once,
 * so only runs leaving the window at its old end can show up to this late.
 */
export const STATS_TTL_MS = 1_000;
const RETENTION_EVERY_MS = 3_600_000;

interface JobEntry {
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
  view: string;
}

interface ConfigState {
  status: ConfigStatus;
  errorsByJob: Map<string, ConfigError[]>;
}

interface ActiveRun {
  run: RunRecord;
  def: JobDefinition;
  handle: AttemptHandle | null;
  stop: { reason: StopReason; by: string } | null;
  pid: number | null;
  timeout: NodeJS.Timeout | null;
  grace: NodeJS.Timeout | null;
  pendingLogs: LogLineInput[];
  flushTimer: NodeJS.Timeout | null;
  /** A batch write on the next turn of the event loop (a full batch is pending). */
  flushSoon: NodeJS.Immediate | null;
  /** Log lines received from the worker, and how many of them it was told are stored (flow control). */
  workerLines: { received: number; acknowledged: number };
  artifacts: Promise<void>[];
  settled: Promise<void>;
}

export type Engine = JobtrayEngine;

/** Creates and starts an engine: opens the store, recovers, loads the jobs file, starts the scheduler. */
export async function createEngine(options: EngineOptions): Promise<JobtrayEngine> {
  const engine = new JobtrayEngine(options);
  try {
    await engine.start();
  } catch (error) {
    await engine.close().catch(() => {});
    throw error;
  }
  return engine;
}

export class JobtrayEngine {
  readonly dataDir: string;
  readonly jobsFile: string;
  readonly events: EngineEvents;
  private readonly logger: Logger;
  private readonly store: Store;
  private readonly runner: Runner;
  /** Identifies this data directory in the run keys of child processes (see run-processes.ts). */
  private readonly storeId: string;
  private readonly jobs = new Map<string, JobEntry>();
  private config: ConfigState;
  private settingsOverride: Partial<Settings>;
  private settingsCache: Settings | null = null;
  private readonly queued = new Map<number, RunRecord>();
  private readonly retries = new Map<number, RunRecord>();
  private readonly active = new Map<number, ActiveRun>();
  private paused = false;
  private closing = false;
  private closingDone: Promise<void> | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt: number | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<ConfigStatus> | null = null;
  private lastHealth: HealthSnapshot | null = null;
  /** Runs the previous process left behind, interrupted at start; retried once the jobs file is loaded. */
  private recovered: RunRecord[] = [];
  /** Retry chains that already raised a timeout alert. */
  private readonly timeoutAlerted = new Set<number>();
  /** The config errors last alerted, so an unchanged broken file alerts once. */
  private alertedConfigErrors = '';
  /** Every job's stats_24h, as last computed (see jobStats). */
  private stats: { at: number; byJob: Map<string, JobStats> } | null = null;

  constructor(private readonly options: EngineOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.jobsFile = path.resolve(options.jobsFile ?? path.join(this.dataDir, 'jobs.yaml'));
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.logger = options.logger ?? createLogger({ dir: path.join(this.dataDir, 'logs'), console: options.consoleLog ?? false });
    this.events = new EngineEvents(this.logger);
    this.store = openStore({ path: path.join(this.dataDir, 'jobtray.db'), ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
    this.runner = new Runner({ workerPath: options.workerPath ?? defaultWorkerPath() });
    this.settingsOverride = options.settings ?? {};
    this.storeId = this.store.getMeta('store_id') ?? randomUUID();
    this.store.setMeta('store_id', this.storeId);
    this.config = { status: { file: this.jobsFile, errors: [], loaded_at: 0, applied_at: null }, errorsByJob: new Map() };
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** @internal use createEngine() */
  async start(): Promise<void> {
    this.paused = this.store.getMeta('paused') === '1';
    if (!this.options.jobsFile) {
      const created = await ensureJobsFile(this.jobsFile, this.options.resourcesDir ?? defaultResourcesDir());
      if (created) this.logger.info(`created ${this.jobsFile} with demo jobs`);
    }
    await this.recoverFromPreviousProcess();
    const result = await loadJobsFile(this.jobsFile);
    this.applyLoadResult(result);
    this.logger.info(`engine started: ${this.jobs.size} jobs from ${this.jobsFile}`);
    if (this.options.watch !== false) await this.watchJobsFile();
    this.applyRetention();
    this.retentionTimer = setInterval(() => this.applyRetention(), RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    this.onTimer();
    this.dispatch();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops scheduling, stops every running attempt through the normal kill path
   * (graceful, then forced after the grace period), records them as
   * `interrupted` (retried at next start when the job allows), and closes the store.
   */
  close(): Promise<void> {
    this.closingDone ??= this.shutdown();
    return this.closingDone;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    await this.watcher?.close();
    await this.reloading?.catch(() => {});
    const running = [...this.active.values()];
    for (const a of running) this.stopAttempt(a, 'shutdown', 'engine');
    await Promise.all(running.map((a) => a.settled));
    await this.runner.close();
    this.events.clear();
    this.store.close();
    this.closed = true;
  }

  // ───────────────────────────── queries ─────────────────────────────

  listJobs(): JobView[] {
    return [...this.jobs.values()].sort((a, b) => a.id.localeCompare(b.id)).map((e) => this.jobView(e));
  }

  getJob(jobId: string): JobView {
    return this.jobView(this.entry(jobId));
  }

  health(): HealthSnapshot {
    return this.lastHealth ?? this.computeHealth();
  }

  configStatus(): ConfigStatus {
    return this.config.status;
  }

  isPaused(): boolean {
    return this.paused;
  }

  listRuns(filter: RunFilter = {}): RunPage {
    return this.store.listRuns(filter);
  }

  getRun(runId: number): RunRecord {
    const run = this.store.getRun(runId);
    if (!run) throw new JobtrayError('not_found', `run ${runId} does not exist`);
    return run;
  }

  getRunLogs(runId: number, query: LogQuery = {}): LogPage {
    this.getRun(runId);
    // Lines still in this process's buffer are written first, so a page is never behind the events.
    const a = this.active.get(runId);
    if (a) this.flushLogs(a);
    return this.store.getLogs(runId, query);
  }

  listArtifacts(runId: number): ArtifactRecord[] {
    this.getRun(runId);
    return this.store.listArtifacts(runId);
  }

  /** An artifact's record and the absolute path of its file. */
  getArtifact(runId: number, name: string): { record: ArtifactRecord; file: string } {
    this.getRun(runId);
    const record = this.store.getArtifact(runId, name);
    if (!record) throw new JobtrayError('not_found', `run ${runId} has no artifact named ${JSON.stringify(name)}`);
    return { record, file: path.join(this.dataDir, record.path) };
  }

  /** An online copy of the database at `file` (Store.backup; backups.ts schedules and rotates them). */
  backupDatabase(file: string): Promise<{ file: string; bytes: number }> {
    return this.store.backup(file);
  }

  listAudit(opts: { job_id?: string; limit?: number } = {}): AuditEntry[] {
    return this.store.listAudit(opts);
  }

  /** Settings are read on hot paths (every dispatch, every log batch): kept in memory, refreshed on update. */
  getSettings(): Settings {
    this.settingsCache ??= { ...DEFAULT_SETTINGS, ...this.store.getSettings(), ...this.settingsOverride };
    return this.settingsCache;
  }

  // ───────────────────────────── operations ─────────────────────────────

  /**
   * Starts a manual run. Returns the run record as created: `queued`, or
   * `skipped` with its reason (overlap). Bad params throw `invalid_params`.
   */
  trigger(jobId: string, opts: TriggerOptions): RunRecord {
    this.assertOpen();
    if (opts.idempotencyKey) {
      const previous = this.store.findRunByIdempotencyKey(opts.idempotencyKey, Date.now() - IDEMPOTENCY_WINDOW_MS);
      if (previous && previous.job_id !== jobId) {
        throw new JobtrayError('conflict', `Idempotency-Key "${opts.idempotencyKey}" was already used for run ${previous.id} of job "${previous.job_id}"`);
      }
      if (previous) return previous;
    }
    const entry = this.entry(jobId);
    const def = this.effectiveDef(entry);
    if (!def) {
      throw new JobtrayError('conflict', `job "${jobId}" cannot run: its entry in ${this.jobsFile} is invalid (${entry.errors[0]?.message ?? 'see config errors'})`);
    }
    const params = resolveParams(def, opts.params);
    const run = this.createRun(entry, def, { trigger: 'manual', actor: opts.actor, params, parent: null, idempotencyKey: opts.idempotencyKey ?? null });
    this.store.audit({ actor: opts.actor, action: 'run:trigger', job_id: jobId, run_id: run.id, details: { params } });
    return run;
  }

  /** Cancels a queued, waiting or running run. */
  cancel(runId: number, actor: Actor): RunRecord {
    this.assertOpen();
    const run = this.getRun(runId);
    if (isTerminal(run.state)) throw new JobtrayError('conflict', `run ${runId} already ended (${run.state}); nothing to cancel`);
    this.store.audit({ actor, action: 'run:cancel', job_id: run.job_id, run_id: runId });
    const a = this.active.get(runId);
    if (a) {
      this.stopAttempt(a, 'cancel', actor);
      return this.getRun(runId);
    }
    this.queued.delete(runId);
    this.retries.delete(runId);
    const now = Date.now();
    const updated = this.store.updateRun(runId, { state: 'cancelled', error_code: 'cancelled', reason: `cancelled by ${actor}`, finished_at: now, duration_ms: null });
    this.announceRun(updated);
    this.armTimer();
    return updated;
  }

  /**
   * "Retry now": a pending retry becomes due at once; a finished failed,
   * timed-out, interrupted or cancelled run gets a new attempt with its params.
   */
  retryNow(runId: number, actor: Actor): RunRecord {
    this.assertOpen();
    const run = this.getRun(runId);
    if (run.state === 'retry_scheduled') {
      this.store.audit({ actor, action: 'run:retry', job_id: run.job_id, run_id: runId });
      this.retries.delete(runId);
      return this.enqueue(this.store.updateRun(runId, { state: 'queued', due_at: null }));
    }
    if (!isTerminal(run.state) || run.state === 'succeeded' || run.state === 'skipped') {
      throw new JobtrayError('conflict', `run ${runId} is ${run.state}; only failed, timed out, interrupted or cancelled runs can be retried`);
    }
    const entry = this.entry(run.job_id);
    const def = this.effectiveDef(entry);
    if (!def) throw new JobtrayError('conflict', `job "${run.job_id}" cannot run: its entry in the jobs file is invalid`);
    const attempt = run.attempt + 1;
    const created = this.store.insertRun({
      job_id: run.job_id,
      trigger: 'retry',
      requested_by: actor,
      params: run.params,
      state: 'queued',
      attempt,
      max_attempts: Math.max(run.max_attempts, attempt),
      parent_run_id: run.id,
      root_run_id: run.root_run_id,
      priority: def.priority,
    });
    this.store.audit({ actor, action: 'run:retry', job_id: run.job_id, run_id: created.id, details: { retry_of: run.id } });
    return this.enqueue(created);
  }

  /** Enables or disables a job at runtime (`null` reverts to the jobs file's value). Persisted and audited. */
  setEnabled(jobId: string, enabled: boolean | null, actor: Actor): JobView {
    this.assertOpen();
    const entry = this.entry(jobId);
    const before = entry.state.enabled_override;
    const fileEnabled = entry.fileDef?.enabled ?? true;
    // An override equal to the file's value is no override.
    const override = enabled === null || enabled === fileEnabled ? null : enabled;
    const wasEnabled = this.effectiveDef(entry)?.enabled ?? false;
    const now = Date.now();
    const patch: Partial<JobStateRow> = { enabled_override: override };
    // A job enabled again starts its schedule from now: the slots it had while disabled were not "missed".
    if (!wasEnabled && (override ?? fileEnabled)) {
      patch.last_slot_at = now;
      entry.scheduledSince = now;
    }
    entry.state = this.store.upsertJobState(jobId, patch);
    this.store.audit({ actor, action: enabled === null ? 'job:enabled:revert' : enabled ? 'job:enable' : 'job:disable', job_id: jobId, details: { before, after: override } });
    this.refreshSchedule(entry);
    this.refreshJob(entry);
    this.armTimer();
    return this.jobView(entry);
  }

  /**
   * Overrides a job's schedule at runtime (`{cron, timezone?}`, `{every}` or
   * `{at}`), or reverts to the jobs file's with `null`. Persisted and audited;
   * the jobs file is never rewritten.
   */
  setScheduleOverride(jobId: string, input: unknown, actor: Actor): JobView {
    this.assertOpen();
    const entry = this.entry(jobId);
    let schedule = null;
    if (input !== null) {
      const parsed = parseSchedule(input, `schedule override for job "${jobId}"`);
      if (parsed.errors.length > 0 || !parsed.schedule) {
        throw new JobtrayError('invalid_input', parsed.errors.join('; ') || `schedule override for job "${jobId}": a schedule is required (cron, every or at)`);
      }
      schedule = parsed.schedule;
    }
    const before = entry.state.schedule_override;
    entry.scheduledSince = Date.now();
    entry.state = this.store.upsertJobState(jobId, { schedule_override: schedule, last_slot_at: entry.scheduledSince });
    this.store.audit({ actor, action: schedule ? 'job:schedule:override' : 'job:schedule:revert', job_id: jobId, details: { before, after: schedule } });
    this.refreshSchedule(entry);
    this.refreshJob(entry);
    this.armTimer();
    return this.jobView(entry);
  }

  /** Pauses all scheduling and the start of queued runs; running runs continue. */
  pause(actor: Actor): void {
    this.assertOpen();
    if (this.paused) return;
    this.paused = true;
    this.store.setMeta('paused', '1');
    this.store.audit({ actor, action: 'engine:pause' });
    this.events.emit('engine:paused', { paused: true });
    this.refreshAll();
    this.armTimer();
  }

  resume(actor: Actor): void {
    this.assertOpen();
    if (!this.paused) return;
    this.paused = false;
    this.store.setMeta('paused', null);
    this.store.audit({ actor, action: 'engine:resume' });
    // Slots that passed while paused were skipped on purpose: schedules continue from now.
    const now = Date.now();
    for (const entry of this.jobs.values()) {
      entry.scheduledSince = now;
      entry.state = this.store.upsertJobState(entry.id, { last_slot_at: now });
      this.refreshSchedule(entry);
    }
    this.events.emit('engine:paused', { paused: false });
    this.refreshAll();
    this.armTimer();
    this.dispatch();
  }

  /** Reads the jobs file again and applies it (what the watcher does on a change). */
  reload(actor: Actor): Promise<ConfigStatus> {
    this.assertOpen();
    this.store.audit({ actor, action: 'config:reload' });
    return this.reloadNow();
  }

  updateSettings(patch: Partial<Settings>, actor: Actor): Settings {
    this.assertOpen();
    const before = this.getSettings();
    this.store.updateSettings(patch);
    this.settingsCache = null;
    this.store.audit({ actor, action: 'settings:update', details: { before, patch } });
    this.refreshAll();
    this.armTimer();
    this.dispatch();
    return this.getSettings();
  }

  /** Deletes runs (with logs and artifact files) past the retention settings. */
  applyRetention(): { deleted_runs: number } {
    if (this.closed) return { deleted_runs: 0 };
    const s = this.getSettings();
    const { deleted_runs, artifact_paths } = this.store.applyRetention({
      max_age_days: s.retention_max_age_days,
      max_runs_per_job: s.retention_max_runs_per_job,
      now: Date.now(),
    });
    if (artifact_paths.length > 0) {
      removeArtifactFiles(this.dataDir, artifact_paths).catch((error) => this.logger.warn('removing artifact files failed', error));
    }
    if (deleted_runs > 0) this.logger.info(`retention removed ${deleted_runs} runs`);
    return { deleted_runs };
  }

  /** Call after the machine resumed from sleep (Electron's powerMonitor): missed slots are caught up now. */
  onResume(): void {
    if (this.closing) return;
    this.onTimer();
  }

  // ───────────────────────────── jobs file ─────────────────────────────

  /** Resolves once the watcher is established, so no change after start() is missed. */
  private async watchJobsFile(): Promise<void> {
    // The folder is watched, not the file: editors save by writing a new file and renaming it over the old one.
    this.watcher = chokidar.watch(path.dirname(this.jobsFile), {
      depth: 0,
      ignoreInitial: true,
      ignored: (p: string) => p !== this.jobsFile && p !== path.dirname(this.jobsFile),
    });
    const onChange = (p: string) => {
      if (path.resolve(p) !== this.jobsFile || this.closing) return;
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = null;
        void this.reloadNow();
      }, 100);
    };
    this.watcher.on('add', onChange).on('change', onChange).on('unlink', onChange);
    this.watcher.on('error', (error) => this.logger.warn('watching the jobs file failed', error));
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
  }

  private reloadNow(): Promise<ConfigStatus> {
    const previous = this.reloading ?? Promise.resolve(this.config.status);
    const next = previous
      .catch(() => this.config.status)
      .then(async () => {
        const result = await loadJobsFile(this.jobsFile);
        if (this.closing) return this.config.status;
        this.applyLoadResult(result);
        return this.config.status;
      });
    this.reloading = next;
    return next;
  }

  /**
   * Applies a read of the jobs file. Valid entries replace their jobs; an
   * invalid entry keeps its job's last good definition running (shown as
   * `invalid`); a file that cannot be read at all changes nothing. Running
   * runs are never touched: they finish with the definition they started with.
   */
  private applyLoadResult(result: LoadResult): void {
    const now = Date.now();
    const errorsByJob = new Map<string, ConfigError[]>();
    for (const error of result.errors) {
      if (error.job_id) errorsByJob.set(error.job_id, [...(errorsByJob.get(error.job_id) ?? []), error]);
    }
    const applied = !result.fatal;
    this.config = {
      status: { file: this.jobsFile, errors: result.errors, loaded_at: now, applied_at: applied ? now : this.config.status.applied_at },
      errorsByJob: applied ? errorsByJob : this.config.errorsByJob,
    };
    if (applied) {
      const valid = new Map(result.jobs.map((j) => [j.id, j]));
      const keep = new Set([...valid.keys(), ...result.invalid_ids]);
      for (const id of [...this.jobs.keys()]) {
        if (!keep.has(id)) {
          this.jobs.delete(id);
          this.dropPendingRuns(id, 'the job was removed from the jobs file');
          this.events.emit('job:removed', { job_id: id });
        }
      }
      for (const id of keep) {
        const entry = this.jobs.get(id) ?? this.newEntry(id);
        entry.fileDef = valid.get(id) ?? entry.fileDef;
        entry.errors = errorsByJob.get(id) ?? [];
        this.jobs.set(id, entry);
        this.refreshSchedule(entry);
      }
    }
    if (result.errors.length > 0) {
      this.logger.warn(`${this.jobsFile}: ${result.errors.length} error(s)${result.fatal ? ', nothing applied' : ''}\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
      this.events.emit('config:error', this.config.status);
      const key = JSON.stringify(result.errors.map((e) => e.message));
      if (key !== this.alertedConfigErrors) {
        this.alertedConfigErrors = key;
        const name = path.basename(this.jobsFile);
        this.events.emit('job:alert', {
          kind: 'config_error',
          job_id: null,
          run_id: null,
          title: `${name} has ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`,
          body: `${result.errors.slice(0, 3).map((e) => e.message).join('\n')}${result.errors.length > 3 ? `\n… and ${result.errors.length - 3} more` : ''}\n${result.fatal ? 'Nothing was applied' : 'The valid jobs were applied'}; the last good definitions keep running.`,
          at: Date.now(),
        });
      }
    } else {
      this.alertedConfigErrors = '';
    }
    if (applied) this.events.emit('config:applied', this.config.status);
    this.refreshAll(true);
    this.armTimer();
    this.dispatch();
  }

  private newEntry(id: string): JobEntry {
    const now = Date.now();
    const state = this.store.getJobState(id) ?? this.store.upsertJobState(id, { first_seen_at: now, last_slot_at: now });
    const lastRun = this.store.listRuns({ job_id: id, limit: 1 }).runs[0] ?? null;
    return { id, fileDef: null, errors: [], state, scheduledSince: 0, lastRun, lastFinished: this.store.latestFinishedRun(id), health: 'ok', settled: undefined, view: '' };
  }

  private dropPendingRuns(jobId: string, reason: string): void {
    for (const map of [this.queued, this.retries]) {
      for (const run of [...map.values()]) {
        if (run.job_id !== jobId) continue;
        map.delete(run.id);
        this.announceRun(this.store.updateRun(run.id, { state: 'skipped', reason, finished_at: Date.now() }));
      }
    }
  }

  // ───────────────────────────── runs ─────────────────────────────

  private createRun(
    entry: JobEntry,
    def: JobDefinition,
    opts: { trigger: RunTrigger; actor: Actor; params: ParamValues; parent: RunRecord | null; idempotencyKey?: string | null },
  ): RunRecord {
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
      const now = Date.now();
      const run = this.store.insertRun({ ...base, state: 'skipped', reason: skip, finished_at: now });
      this.announceRun(run);
      return run;
    }
    return this.enqueue(this.store.insertRun({ ...base, state: 'queued' }));
  }

  /** Why a new run of this job is recorded as skipped instead of queued, or null. */
  private skipReason(entry: JobEntry, def: JobDefinition, trigger: RunTrigger): string | null {
    if (!def.enabled && trigger !== 'manual') return 'the job is disabled';
    if (def.overlap === 'skip') {
      const busy = this.pendingRunsOf(entry.id)[0];
      if (busy) return `overlap: run ${busy.id} of this job is still ${busy.state}`;
    }
    return null;
  }

  private enqueue(run: RunRecord): RunRecord {
    this.queued.set(run.id, run);
    this.announceRun(run);
    this.dispatch();
    return this.store.getRun(run.id) ?? run;
  }

  /** A job's running runs, then its queued ones. */
  private pendingRunsOf(jobId: string): RunRecord[] {
    const runs: RunRecord[] = [];
    for (const a of this.active.values()) if (a.run.job_id === jobId) runs.push(a.run);
    for (const r of this.queued.values()) if (r.job_id === jobId) runs.push(r);
    return runs;
  }

  /** Starts queued runs while slots are free: by priority, then age; one run per job at a time. */
  private dispatch(): void {
    if (this.closing || this.paused) return;
    const limit = Math.max(1, this.getSettings().max_concurrent_runs);
    while (this.active.size < limit) {
      const busyJobs = new Set<string>();
      for (const a of this.active.values()) busyJobs.add(a.run.job_id);
      // One pass, no sort: dispatch runs on every trigger and every finished run, with the whole queue waiting.
      let next: RunRecord | null = null;
      for (const r of this.queued.values()) {
        if (busyJobs.has(r.job_id)) continue;
        if (!next || PRIORITY_RANK[r.priority] - PRIORITY_RANK[next.priority] < 0 || (r.priority === next.priority && r.id < next.id)) next = r;
      }
      if (!next) return;
      this.queued.delete(next.id);
      this.startAttempt(next);
    }
  }

  private startAttempt(queuedRun: RunRecord): void {
    const entry = this.jobs.get(queuedRun.job_id);
    const def = entry ? this.effectiveDef(entry) : null;
    if (!entry || !def) {
      this.announceRun(this.store.updateRun(queuedRun.id, { state: 'skipped', reason: 'the job no longer exists in the jobs file', finished_at: Date.now() }));
      return;
    }
    const startedAt = Date.now();
    const run = this.store.updateRun(queuedRun.id, { state: 'running', started_at: startedAt });
    let resolveSettled!: () => void;
    const a: ActiveRun = {
      run,
      def,
      handle: null,
      stop: null,
      pid: null,
      timeout: null,
      grace: null,
      pendingLogs: [],
      flushTimer: null,
      flushSoon: null,
      workerLines: { received: 0, acknowledged: 0 },
      artifacts: [],
      settled: new Promise<void>((r) => (resolveSettled = r)),
    };
    this.active.set(run.id, a);
    this.announceRun(run);

    const timeoutMs = def.timeout_ms ?? this.getSettings().default_timeout_ms;
    if (timeoutMs) a.timeout = setTimeout(() => this.stopAttempt(a, 'timeout', 'engine'), timeoutMs);

    const spec = this.workerSpec(run, def);
    this.runner
      .start(spec, this.getSettings().worker_memory_mb, {
        onMessage: (message) => this.onWorkerMessage(a, message),
        onOutput: (stream, line) => this.addLog(a, { ts: Date.now(), stream, level: stream === 'stderr' ? 'warn' : 'info', message: line }),
      })
      .then(async (handle) => {
        a.handle = handle;
        this.acknowledgeLogs(a);
        // A stop requested before the worker existed is delivered now.
        if (a.stop) handle.cancel(a.stop.reason);
        const exit = await handle.exited;
        await this.finishAttempt(a, exit);
      })
      .catch(async (error: unknown) => {
        this.logger.error(`run ${run.id} of ${run.job_id}: could not start its worker`, error);
        await this.finishAttempt(a, {
          outcome: { ok: false, code: 'spawn', message: `could not start a worker: ${coerceError(error).message}`, stack: null, exit_code: null, signal: null },
          exitCode: 1,
          error: null,
        });
      })
      .catch((error: unknown) => this.logger.error(`run ${run.id}: finishing failed`, error))
      .finally(() => resolveSettled());
  }

  private workerSpec(run: RunRecord, def: JobDefinition): WorkerRunSpec {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, def.env, paramEnv(run.params), {
      JOBTRAY_RUN_ID: String(run.id),
      JOBTRAY_JOB_ID: def.id,
      JOBTRAY_ATTEMPT: String(run.attempt),
      [RUN_KEY_ENV]: runKey(this.storeId, run.id),
    });
    return {
      run_id: run.id,
      job_id: def.id,
      attempt: run.attempt,
      params: run.params,
      kind: def.kind,
      argv: def.command ? renderArgv(def.command, run.params) : null,
      script: def.script,
      cwd: def.cwd,
      env,
      log_window: LOG_WINDOW_LINES,
    };
  }

  private onWorkerMessage(a: ActiveRun, message: Exclude<WorkerToEngine, { type: 'result' }>): void {
    switch (message.type) {
      case 'started':
        return;
      case 'spawned':
        a.pid = message.pid;
        a.run = this.store.updateRun(a.run.id, { pid: message.pid });
        // A stop that raced the spawn reaches the new process group too.
        if (a.stop) void killTree(message.pid, 'SIGTERM').catch(() => {});
        return;
      case 'progress': {
        a.run = this.store.updateRun(a.run.id, { progress: message.percent, step: message.step });
        this.events.emit('run:progress', { run_id: a.run.id, job_id: a.run.job_id, progress: message.percent, step: message.step });
        return;
      }
      case 'log': {
        const lines = unpackLogLines(message.packed);
        a.workerLines.received += lines.length;
        for (const line of lines) this.addLog(a, line);
        return;
      }
      case 'artifact':
        a.artifacts.push(this.saveArtifact(a, message.name, message.path, message.data));
        return;
    }
  }

  private async saveArtifact(a: ActiveRun, name: string, from: string | null, data: Uint8Array | string | null): Promise<void> {
    try {
      const source = from !== null ? { path: path.resolve(a.def.cwd, from) } : { data: data ?? '' };
      const record = await storeArtifact(this.dataDir, a.run.id, name, source);
      if (this.closed) return;
      this.store.insertArtifact(record);
      this.addLog(a, { ts: Date.now(), stream: 'system', level: 'info', message: `artifact ${name} stored (${record.size} bytes)` });
    } catch (error) {
      this.addLog(a, { ts: Date.now(), stream: 'system', level: 'error', message: `artifact ${name} could not be stored: ${coerceError(error).message}` });
    }
  }

  /**
   * Buffers a line; it is written later, never here: a busy worker's queued
   * messages are all delivered in one turn of the event loop, and writing
   * them there would stall the loop for as long as the whole backlog takes.
   */
  private addLog(a: ActiveRun, line: LogLineInput): void {
    a.pendingLogs.push(line);
    this.scheduleLogWrite(a);
  }

  private scheduleLogWrite(a: ActiveRun): void {
    if (a.pendingLogs.length >= LOG_FLUSH_LINES) a.flushSoon ??= setImmediate(() => this.writeLogBatch(a));
    else if (a.pendingLogs.length > 0) a.flushTimer ??= setTimeout(() => this.writeLogBatch(a), LOG_FLUSH_MS);
  }

  private cancelLogWrite(a: ActiveRun): void {
    if (a.flushTimer) clearTimeout(a.flushTimer);
    if (a.flushSoon) clearImmediate(a.flushSoon);
    a.flushTimer = null;
    a.flushSoon = null;
  }

  /** Writes one batch and schedules the rest: the event loop turns between batches. */
  private writeLogBatch(a: ActiveRun): void {
    this.cancelLogWrite(a);
    this.writeLogs(a);
    this.scheduleLogWrite(a);
  }

  /** Writes every pending line now (a log page must not be behind the events). */
  private flushLogs(a: ActiveRun): void {
    this.cancelLogWrite(a);
    while (a.pendingLogs.length > 0 && !this.closed) this.writeLogs(a);
  }

  /** Writes the backlog of an ended attempt batch by batch, letting the event loop turn in between. */
  private async drainLogs(a: ActiveRun): Promise<void> {
    this.cancelLogWrite(a);
    while (a.pendingLogs.length > 0 && !this.closed) {
      this.writeLogs(a);
      await nextTurn();
    }
  }

  /** Writes the oldest LOG_FLUSH_LINES pending lines (or fewer) in one transaction and announces them. */
  private writeLogs(a: ActiveRun): void {
    if (a.pendingLogs.length === 0 || this.closed) return;
    const lines = a.pendingLogs.length <= LOG_FLUSH_LINES ? a.pendingLogs : a.pendingLogs.splice(0, LOG_FLUSH_LINES);
    if (lines === a.pendingLogs) a.pendingLogs = [];
    try {
      const stored = this.store.appendLogs(a.run.id, lines, this.getSettings().log_cap_per_run);
      if (stored.length > 0) this.events.emit('run:log', { run_id: a.run.id, job_id: a.run.job_id, lines: stored });
    } finally {
      this.acknowledgeLogs(a);
    }
  }

  /**
   * Tells the worker how many more of its lines left the buffer. Lines still
   * pending may be the engine's own, so this may acknowledge late, never
   * early; with the buffer empty everything received is acknowledged.
   */
  private acknowledgeLogs(a: ActiveRun): void {
    const written = a.workerLines.received - a.workerLines.acknowledged - a.pendingLogs.length;
    if (written <= 0 || !a.handle) return;
    a.workerLines.acknowledged += written;
    a.handle.acknowledgeLogs(written);
  }

  /**
   * Stops an attempt: graceful first (cancel message → AbortSignal for script
   * jobs, SIGTERM to the process group for command jobs), forced after the
   * grace period (SIGKILL to the whole process tree, worker terminated).
   */
  private stopAttempt(a: ActiveRun, reason: StopReason, by: string): void {
    if (a.stop) return;
    a.stop = { reason, by };
    if (a.timeout) clearTimeout(a.timeout);
    this.addLog(a, { ts: Date.now(), stream: 'system', level: 'warn', message: reason === 'timeout' ? `timed out after ${formatDuration(a.def.timeout_ms ?? this.getSettings().default_timeout_ms ?? 0)}; stopping` : reason === 'cancel' ? `cancelled by ${by}; stopping` : 'engine shutting down; stopping' });
    a.handle?.cancel(reason);
    if (a.pid !== null) void killTree(a.pid, 'SIGTERM').catch(() => {});
    a.grace = setTimeout(() => {
      this.addLog(a, { ts: Date.now(), stream: 'system', level: 'warn', message: `did not stop within ${formatDuration(this.getSettings().kill_grace_ms)}; killing` });
      void this.forceStop(a);
    }, this.getSettings().kill_grace_ms);
  }

  /** SIGKILL to everything a command attempt started: its tree, its process group and (Linux) every process carrying its run key. */
  private async killAttemptProcesses(a: ActiveRun): Promise<void> {
    if (a.pid !== null) await killTree(a.pid, 'SIGKILL').catch(() => []);
    if (a.def.kind === 'command') await killRunProcesses(runKey(this.storeId, a.run.id));
  }

  private async forceStop(a: ActiveRun): Promise<void> {
    await this.killAttemptProcesses(a);
    await a.handle?.terminate().catch(() => {});
  }

  private async finishAttempt(a: ActiveRun, exit: Parameters<typeof settleAttempt>[0]): Promise<void> {
    if (a.timeout) clearTimeout(a.timeout);
    if (a.grace) clearTimeout(a.grace);
    // Whatever the outcome, nothing of the job's process tree outlives its run.
    await this.killAttemptProcesses(a);
    await Promise.all(a.artifacts);
    await this.drainLogs(a);
    const settlement = settleAttempt(exit, {
      stop: a.stop ? { ...a.stop, timeoutText: formatDuration(a.def.timeout_ms ?? this.getSettings().default_timeout_ms ?? 0) } : null,
      memoryMb: this.getSettings().worker_memory_mb,
    });
    if (settlement.error) this.addLog(a, { ts: Date.now(), stream: 'system', level: 'error', message: settlement.error });
    this.flushLogs(a);
    const run = this.store.updateRun(a.run.id, settlementPatch(settlement, a.run.started_at, Date.now()));
    this.active.delete(run.id);
    this.afterAttempt(run, a.def);
    this.dispatch();
  }

  /**
   * Announces an ended attempt together with what follows it: its retry is
   * persisted before either is announced (so the job goes straight from
   * running to retrying), or its chains start.
   */
  private afterAttempt(run: RunRecord, def: JobDefinition): void {
    const retry = shouldRetry(def, run).retry ? this.scheduleRetry(run, def) : null;
    // One timeout alert per retry chain, even when several attempts time out.
    if (run.state === 'timed_out' && def.notify.on_timeout && !this.timeoutAlerted.has(run.root_run_id)) {
      this.timeoutAlerted.add(run.root_run_id);
      this.events.emit('job:alert', { kind: 'timeout', job_id: run.job_id, run_id: run.id, title: `${run.job_id} timed out`, body: `Run ${run.id} of ${run.job_id} (attempt ${run.attempt}/${run.max_attempts}) ${run.error ?? 'timed out'} and was stopped.${retry ? ' It will be retried.' : ''}`, at: Date.now() });
    }
    if (!retry) this.timeoutAlerted.delete(run.root_run_id);
    this.announceRun(run);
    if (retry) {
      this.announceRun(retry);
      this.armTimer();
      return;
    }
    if (this.closing) return;
    const chain = run.state === 'succeeded' ? def.on_success : FAILED_STATES.includes(run.state) ? def.on_failure : [];
    for (const target of chain) {
      const entry = this.jobs.get(target);
      const targetDef = entry ? this.effectiveDef(entry) : null;
      if (!entry || !targetDef) {
        this.logger.warn(`run ${run.id}: chained job "${target}" does not exist or is invalid; not started`);
        continue;
      }
      try {
        this.createRun(entry, targetDef, { trigger: 'chain', actor: 'engine', params: resolveParams(targetDef, {}), parent: run });
      } catch (error) {
        this.logger.warn(`run ${run.id}: chained job "${target}" not started: ${coerceError(error).message}`);
      }
    }
  }

  /** Persists the next attempt as `retry_scheduled` with its due time (announced by the caller). */
  private scheduleRetry(run: RunRecord, def: JobDefinition): RunRecord {
    const delay = retryDelay(def.retries, run.attempt);
    const retry = this.store.insertRun({
      job_id: run.job_id,
      trigger: 'retry',
      requested_by: 'engine',
      params: run.params,
      state: 'retry_scheduled',
      attempt: run.attempt + 1,
      max_attempts: run.max_attempts,
      parent_run_id: run.id,
      root_run_id: run.root_run_id,
      priority: def.priority,
      due_at: Date.now() + delay,
    });
    this.retries.set(retry.id, retry);
    return retry;
  }

  /**
   * Runs a dead process left queued or running become `interrupted` (and are
   * retried when their job allows); their leftover process groups are killed.
   * Pending retries are picked up with their stored due time.
   */
  private async recoverFromPreviousProcess(): Promise<void> {
    const now = Date.now();
    for (const run of this.store.runsInStates(['queued', 'running'])) {
      const killed = await killRunProcesses(runKey(this.storeId, run.id));
      if (killed.length > 0) this.logger.warn(`run ${run.id}: killed ${killed.length} leftover process(es) of the previous engine: ${killed.join(', ')}`);
      const interrupted = this.store.updateRun(run.id, {
        state: 'interrupted',
        error: run.state === 'running' ? 'Jobtray stopped while the run was running' : 'Jobtray stopped before the run started',
        error_code: 'interrupted',
        reason: 'engine stopped unexpectedly',
        finished_at: now,
        duration_ms: run.started_at === null ? null : now - run.started_at,
      });
      this.recovered.push(interrupted);
    }
    for (const run of this.store.runsInStates(['retry_scheduled'])) this.retries.set(run.id, run);
  }

  // ───────────────────────────── scheduler ─────────────────────────────

  private refreshSchedule(entry: JobEntry): void {
    const def = this.effectiveDef(entry);
    // The first slot after the last one handled: in the past when slots were missed, and then due at once (see fireDue).
    const since = entry.state.last_slot_at ?? entry.state.first_seen_at;
    const next = def && def.enabled && !this.paused ? nextFireAfter(def.schedule, since, since) : null;
    if (next !== entry.state.next_fire_at) entry.state = this.store.upsertJobState(entry.id, { next_fire_at: next });
  }

  /** Arms the one scheduler timer for the earliest thing due: a slot, a retry, an overdue deadline. */
  private armTimer(): void {
    if (this.closing) return;
    const now = Date.now();
    let due = now + MAX_TIMER_MS;
    for (const entry of this.jobs.values()) {
      if (entry.state.next_fire_at !== null) due = Math.min(due, entry.state.next_fire_at);
      const overdue = this.overdueAt(entry);
      if (overdue !== null && overdue > now) due = Math.min(due, overdue);
    }
    if (!this.paused) for (const run of this.retries.values()) due = Math.min(due, run.due_at ?? now);
    if (this.timer && this.timerDueAt === due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = due;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, due - now));
  }

  private onTimer(): void {
    // Also called directly (start, resume): the armed timer must not outlive it.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDueAt = null;
    if (this.closing) return;
    const now = Date.now();
    // Interrupted runs from the previous process: retried per policy once jobs are known.
    for (const run of this.recovered.splice(0)) {
      const entry = this.jobs.get(run.job_id);
      const def = entry ? this.effectiveDef(entry) : null;
      if (def) this.afterAttempt(run, def);
    }
    if (!this.paused) {
      for (const run of [...this.retries.values()]) {
        if ((run.due_at ?? 0) > now) continue;
        this.retries.delete(run.id);
        const entry = this.jobs.get(run.job_id);
        const def = entry ? this.effectiveDef(entry) : null;
        if (!def) {
          this.announceRun(this.store.updateRun(run.id, { state: 'skipped', reason: 'the job no longer exists in the jobs file', finished_at: now }));
        } else if (!def.enabled) {
          this.announceRun(this.store.updateRun(run.id, { state: 'skipped', reason: 'the job is disabled', finished_at: now }));
        } else {
          this.enqueue(this.store.updateRun(run.id, { state: 'queued' }));
        }
      }
      for (const entry of this.jobs.values()) this.fireDue(entry, now);
    }
    this.refreshAll();
    this.armTimer();
  }

  /**
   * Fires a job whose slot is due. Exactly one due slot within the tolerance
   * is an ordinary `schedule` run; more than one, or one long past (the engine
   * was down, the machine slept) were missed: `catch_up: once` runs the job
   * once with trigger `catch_up`, `skip` lets them go.
   */
  private fireDue(entry: JobEntry, now: number): void {
    const def = this.effectiveDef(entry);
    if (!def || !def.enabled || !def.schedule) return;
    const since = entry.state.last_slot_at ?? entry.state.first_seen_at;
    const newest = lastSlotBetween(def.schedule, since, now, since);
    if (newest === null) {
      this.refreshSchedule(entry);
      return;
    }
    const first = nextFireAfter(def.schedule, since, since) ?? newest;
    const onTime = first === newest && now - newest <= ON_TIME_TOLERANCE_MS;
    const trigger: RunTrigger | null = onTime ? 'schedule' : def.catch_up === 'once' ? 'catch_up' : null;
    entry.state = this.store.upsertJobState(entry.id, { last_slot_at: newest, ...(trigger ? { last_fire_at: now } : {}) });
    if (trigger) {
      try {
        this.createRun(entry, def, { trigger, actor: 'engine', params: resolveParams(def, {}), parent: null });
      } catch (error) {
        this.logger.error(`job "${entry.id}": scheduled run not created: ${coerceError(error).message}`);
      }
    } else {
      this.logger.info(`job "${entry.id}": missed slot ${new Date(newest).toISOString()} skipped (catch_up: skip)`);
    }
    this.refreshSchedule(entry);
  }

  // ───────────────────────────── state & health ─────────────────────────────

  private entry(jobId: string): JobEntry {
    const entry = this.jobs.get(jobId);
    if (!entry) {
      const known = [...this.jobs.keys()].sort();
      throw new JobtrayError('not_found', `job "${jobId}" does not exist${known.length ? `; known jobs: ${known.join(', ')}` : ''}`, { known });
    }
    return entry;
  }

  /** The file's definition with the operator's overrides applied. */
  private effectiveDef(entry: JobEntry): JobDefinition | null {
    if (!entry.fileDef) return null;
    const { enabled_override, schedule_override } = entry.state;
    if (enabled_override === null && schedule_override === null) return entry.fileDef;
    return { ...entry.fileDef, enabled: enabled_override ?? entry.fileDef.enabled, schedule: schedule_override ?? entry.fileDef.schedule };
  }

  private overdueAt(entry: JobEntry): number | null {
    const def = this.effectiveDef(entry);
    if (!def || !def.enabled || this.paused) return null;
    const lastCompleted = entry.lastFinished?.finished_at ?? null;
    const base = lastCompleted === null ? null : Math.max(lastCompleted, entry.scheduledSince);
    return overdueDeadline(def.schedule, base, Math.max(entry.state.first_seen_at, entry.scheduledSince), this.getSettings().overdue_grace_ms);
  }

  private announceRun(run: RunRecord): void {
    const entry = this.jobs.get(run.job_id);
    if (entry) {
      entry.lastRun = entry.lastRun && entry.lastRun.id > run.id ? entry.lastRun : run;
      if (isTerminal(run.state) && run.state !== 'skipped') entry.lastFinished = run;
    }
    // An outcome changes the stats: the views announced next must include it.
    if (isTerminal(run.state)) this.stats = null;
    if (run.state === 'retry_scheduled') this.retries.set(run.id, run);
    this.events.emit('run:state', run);
    if (entry) this.refreshJob(entry);
  }

  private jobView(entry: JobEntry): JobView {
    const def = this.effectiveDef(entry);
    const activeIds = this.pendingRunsOf(entry.id)
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

  /** Every job's stats_24h from one store query, reused for STATS_TTL_MS; the last ones once the store is closed. */
  private jobStats(): Map<string, JobStats> {
    const now = Date.now();
    const fresh = this.stats !== null && now - this.stats.at < STATS_TTL_MS;
    if (!fresh && this.store.isOpen()) this.stats = { at: now, byJob: this.store.jobStats(now - STATS_WINDOW_MS) };
    return this.stats?.byJob ?? new Map();
  }

  private computeJobHealth(entry: JobEntry): JobHealth {
    const def = this.effectiveDef(entry);
    let running = false;
    for (const a of this.active.values()) running ||= a.run.job_id === entry.id;
    let retryPending = false;
    for (const r of this.retries.values()) retryPending ||= r.job_id === entry.id;
    for (const r of this.queued.values()) retryPending ||= r.job_id === entry.id && r.trigger === 'retry';
    return jobHealth({
      enabled: def?.enabled ?? true,
      invalid: entry.errors.length > 0,
      // Queued runs do not count: a job whose runs wait for a slot past their period is overdue.
      running,
      // A retry waiting for its due time, or for a slot, keeps the job `retrying`.
      retryPending,
      lastFinished: entry.lastFinished,
      overdueAt: this.overdueAt(entry),
      now: Date.now(),
    });
  }

  /** Recomputes a job's health and view; emits `job:state` and `health:change` when they changed. */
  private refreshJob(entry: JobEntry, force = false): void {
    entry.health = this.computeJobHealth(entry);
    this.alertOnTransition(entry);
    const view = this.jobView(entry);
    const key = JSON.stringify(view);
    if (force || key !== entry.view) {
      entry.view = key;
      this.events.emit('job:state', view);
    }
    this.emitHealth();
  }

  /** Failure and recovery alerts, on transitions of the settled health only (see health.ts). */
  private alertOnTransition(entry: JobEntry): void {
    const settled = nextSettledHealth(entry.settled ?? null, entry.health);
    const previous = entry.settled;
    entry.settled = settled;
    if (previous === undefined || settled === null || settled === previous) return;
    const def = this.effectiveDef(entry);
    const note = def ? notificationFor({ job_id: entry.id, from: previous, to: settled }, def.notify) : null;
    if (!note) return;
    const run = entry.lastFinished;
    const detail = note.kind === 'failure' && run?.error ? ` Last error: ${run.error}` : '';
    this.events.emit('job:alert', { kind: note.kind, job_id: entry.id, run_id: run?.id ?? null, title: note.title, body: `${note.body}${detail}`, at: Date.now() });
  }

  private refreshAll(force = false): void {
    for (const entry of this.jobs.values()) this.refreshJob(entry, force);
    this.emitHealth();
  }

  private computeHealth(): HealthSnapshot {
    const jobs: Record<string, JobHealth> = {};
    for (const entry of this.jobs.values()) jobs[entry.id] = entry.health;
    const fileErrors = this.config.status.errors.filter((e) => e.job_id === null).length;
    return overallHealth(jobs, { configErrorCount: fileErrors, paused: this.paused });
  }

  private emitHealth(): void {
    const snapshot = this.computeHealth();
    if (healthChanged(this.lastHealth, snapshot)) {
      this.lastHealth = snapshot;
      this.events.emit('health:change', snapshot);
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new JobtrayError('unavailable', 'the engine is shutting down');
  }
}
