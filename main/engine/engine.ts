/**
 * The engine: its public API (queries and operations) and dispatch. The rest
 * lives beside it, each part behind a narrow context: the waiting runs,
 * retries and chains (run-queue.ts), the attempts under way
 * (active-attempts.ts), an attempt of a run (attempt.ts) with its log buffer
 * (run-log-buffer.ts), the jobs and their overrides (job-registry.ts), their
 * health and views (job-monitor.ts), the jobs file kept in step
 * (jobs-file-sync.ts, jobs-file-watcher.ts), the one scheduler timer
 * (scheduler-timer.ts) firing schedule slots (slots.ts), the alert texts
 * (alerts.ts), what happens while writing fails (storage-guard.ts) and the
 * connections to the run store (run-store.ts: the engine's, the log
 * writer's; the command supervisor opens its own).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type {
  ConfigStatus,
  HealthSnapshot,
  JobView,
  LogPage,
  LogQuery,
  RunFilter,
  RunOutcomePoint,
  RunPage,
  RunRecord,
  Settings,
  Actor,
  ArtifactRecord,
  AuditEntry,
  JobDefinition,
} from '../../contract/model.js';
import { DEFAULT_SETTINGS, isTerminal } from '../../contract/model.js';
import { JobtrayError } from '../../contract/errors.js';
import { ensureJobsFile } from './jobs-file/index.js';
import { resolveParams } from './params.js';
import type { NewAuditEntry, Store } from './store/index.js';
import { openRunStore } from './run-store.js';
import { Runner } from './runner.js';
import type { LogWriter } from './log-writer.js';
import { EngineEvents } from './events.js';
import { createLogger, type Logger } from './logger.js';
import { defaultResourcesDir, defaultWorkerPath } from './paths.js';
import { ActiveAttempts } from './active-attempts.js';
import { JobRegistry, type JobEntry } from './job-registry.js';
import { JobMonitor } from './job-monitor.js';
import { JobsFileSync } from './jobs-file-sync.js';
import { Retention } from './retention.js';
import { RunQueue } from './run-queue.js';
import { currentNodeRuntime, type NodeRuntime } from './node-command.js';
import { SchedulerTimer } from './scheduler-timer.js';
import { StorageGuard } from './storage-guard.js';

export { STATS_TTL_MS } from './job-monitor.js';

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
  /** What a command of `node` / `{{node}}` runs (default: this process's runtime; see node-command.ts). */
  nodeRuntime?: NodeRuntime;
  logger?: Logger;
  /** Console level of the default logger. */
  consoleLog?: 'debug' | 'info' | 'warn' | 'error' | false;
  /** Tests only: reaches the store's page limit, to make writes fail as on a full disk (Store.setPageLimit). */
  storePages?: (store: Pick<Store, 'setPageLimit' | 'pageCount'>) => void;
}

export interface TriggerOptions {
  params?: Record<string, unknown>;
  actor: Actor;
  /** A repeated key (within 24 h) returns the run it created instead of starting another. */
  idempotencyKey?: string;
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
  private readonly logWriter: LogWriter;
  /** Identifies this data directory in the run keys of child processes (see run-processes.ts). */
  private readonly storeId: string;
  private readonly jobs: JobRegistry;
  private readonly monitor: JobMonitor;
  private readonly runs: RunQueue;
  private readonly jobsFileSync: JobsFileSync;
  private readonly retention: Retention;
  private readonly storage: StorageGuard;
  private settingsOverride: Partial<Settings>;
  private settingsCache: Settings | null = null;
  private readonly active: ActiveAttempts;
  private paused = false;
  private closing = false;
  private closingDone: Promise<void> | null = null;
  private closed = false;
  private readonly scheduler: SchedulerTimer;

  constructor(private readonly options: EngineOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.jobsFile = path.resolve(options.jobsFile ?? path.join(this.dataDir, 'jobs.yaml'));
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.logger =
      options.logger ?? createLogger({ dir: path.join(this.dataDir, 'logs'), console: options.consoleLog ?? false });
    this.events = new EngineEvents(this.logger);
    const recovered = () => {
      this.scheduler.turn();
      this.dispatch();
    };
    const { events, logger, dataDir } = this;
    this.storage = new StorageGuard({
      events,
      logger,
      dataDir,
      probe: () => this.store.probeWrite(),
      recordHeldFires: (jobId, fires) => this.runs.recordHeldFires(jobId, fires),
      changed: () => this.monitor.refreshAll(),
      recovered,
    });
    const workerPath = options.workerPath ?? defaultWorkerPath();
    const onWriteFailure = (error: JobtrayError) => void this.storage.noteFailure(error, 'a write');
    const runStore = openRunStore({ ...options, dataDir, workerPath, onWriteFailure });
    ({ store: this.store, logWriter: this.logWriter } = runStore);
    this.runner = new Runner({
      workerPath,
      logStore: {
        ...runStore.logStore,
        state: () => ({ cap: this.getSettings().log_cap_per_run, follow: this.events.has('run:log') }),
      },
    });
    runStore.pageLimitFollowers.push((pages) => this.runner.setPageLimit(pages));
    this.settingsOverride = options.settings ?? {};
    const storedId = this.store.getMeta('store_id');
    this.storeId = storedId ?? randomUUID();
    const { store, storage, storeId, jobsFile, runner, logWriter } = this;
    const jobs = (this.jobs = new JobRegistry({ store, storage, jobsFile }));
    // What the parts share. The ones that need each other are reached through the engine once all exist.
    const nodeRuntime = options.nodeRuntime ?? currentNodeRuntime();
    const base = {
      store,
      logWriter,
      storage,
      nodeRuntime,
      events,
      logger,
      storeId,
      dataDir,
      jobsFile,
      jobs,
      runner,
      settings: () => this.getSettings(),
      isPaused: () => this.paused,
      isClosing: () => this.closing,
      dispatch: () => this.dispatch(),
      armTimer: () => this.scheduler.arm(),
    };
    const runs = {
      pendingOf: (jobId: string) => this.runs.pendingOf(jobId),
      running: (jobId: string) => this.runs.running(jobId),
      retryPending: (jobId: string) => this.runs.retryPending(jobId),
    };
    this.monitor = new JobMonitor({ ...base, runs });
    const attemptEnded = (run: RunRecord, def: JobDefinition) => {
      this.runs.afterAttempt(run, def);
      this.dispatch();
    };
    this.active = new ActiveAttempts({ ...base, announce: (run) => this.runs.announce(run), attemptEnded });
    this.runs = new RunQueue({ ...base, monitor: this.monitor, active: this.active });
    const applied = () => {
      this.monitor.refreshAll(true);
      this.scheduler.arm();
      this.dispatch();
    };
    this.jobsFileSync = new JobsFileSync({ ...base, runs: this.runs, applied });
    this.retention = new Retention(base);
    this.scheduler = new SchedulerTimer({ ...base, monitor: this.monitor, runs: this.runs });
    if (!storedId) this.store.setMeta('store_id', this.storeId);
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** @internal use createEngine() */
  async start(): Promise<void> {
    this.paused = this.store.getMeta('paused') === '1';
    if (!this.options.jobsFile) {
      const created = await ensureJobsFile(this.jobsFile, this.options.resourcesDir ?? defaultResourcesDir());
      if (created) this.logger.info(`created ${this.jobsFile} with demo jobs`);
    }
    await this.runs.recover();
    await this.jobsFileSync.start(this.options.watch !== false);
    this.logger.info(`engine started: ${this.jobs.size} jobs from ${this.jobsFile}`);
    this.retention.start();
    this.scheduler.turn();
    this.dispatch();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops scheduling, stops every running attempt through the normal kill path
   * (graceful, then forced after the grace period), records them as
   * `interrupted` (retried at next start when the job allows), and closes the
   * store. Queued runs stay queued: they start after the next start.
   * `force` skips the grace period, also of a close under way: every process
   * tree is killed and every worker terminated now.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    if (options.force) this.active.force();
    this.closingDone ??= this.shutdown();
    return this.closingDone;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.scheduler.stop();
    this.retention.stop();
    await this.jobsFileSync.close();
    await this.active.stopAll();
    await this.runner.close();
    await this.logWriter.close();
    // Run states that could not be written get one more try.
    this.storage.close();
    this.events.clear();
    this.store.close();
    this.closed = true;
  }

  // ───────────────────────────── queries ─────────────────────────────

  listJobs(): JobView[] {
    return [...this.jobs.values()].sort((x, y) => x.id.localeCompare(y.id)).map((entry) => this.monitor.jobView(entry));
  }

  getJob(jobId: string): JobView {
    return this.monitor.jobView(this.jobs.entry(jobId));
  }

  health(): HealthSnapshot {
    return this.monitor.health();
  }

  configStatus(): ConfigStatus {
    return this.jobs.status;
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

  /** The attempts of the run's retry chain (same root_run_id), oldest first. */
  runChain(runId: number): RunRecord[] {
    const run = this.getRun(runId);
    return this.store.runChain(run.job_id, run.root_run_id);
  }

  /** Each job's newest `limit` runs with an outcome, oldest first, keyed by job id. */
  recentOutcomes(limit: number): Record<string, RunOutcomePoint[]> {
    return Object.fromEntries(this.store.recentOutcomes(limit));
  }

  getRunLogs(runId: number, query: LogQuery = {}): LogPage {
    this.getRun(runId);
    // Lines still in this process's buffer are written first, so a page is never behind the events.
    this.active.get(runId)?.logs.flush();
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
    const actor = opts.actor;
    const key = opts.idempotencyKey ?? null;
    const previous = key ? this.runs.byIdempotencyKey(key, jobId) : null;
    if (previous) return previous;
    const { entry, def } = this.jobs.runnable(jobId);
    const params = resolveParams(def, opts.params);
    this.storage.assertWritable();
    const run = this.runs.create(entry, def, { trigger: 'manual', actor, params, parent: null, idempotencyKey: key });
    this.audit({ actor, action: 'run:trigger', job_id: jobId, run_id: run.id, details: { params } });
    return run;
  }

  /** Cancels a queued, waiting or running run. */
  cancel(runId: number, actor: Actor): RunRecord {
    this.assertOpen();
    const run = this.getRun(runId);
    if (isTerminal(run.state))
      throw new JobtrayError('conflict', `run ${runId} already ended (${run.state}); nothing to cancel`);
    const attempt = this.active.get(runId);
    attempt?.stop('cancel', actor);
    const updated = attempt ? this.getRun(runId) : this.runs.cancelWaiting(runId, actor);
    this.audit({ actor, action: 'run:cancel', job_id: run.job_id, run_id: runId });
    this.scheduler.arm();
    return updated;
  }

  /**
   * "Retry now": a pending retry becomes due at once; a finished failed,
   * timed-out, interrupted or cancelled run gets a new attempt with its params.
   */
  retryNow(runId: number, actor: Actor): RunRecord {
    this.assertOpen();
    this.storage.assertWritable();
    const run = this.getRun(runId);
    if (run.state === 'retry_scheduled') {
      this.audit({ actor, action: 'run:retry', job_id: run.job_id, run_id: runId });
      return this.runs.retryNow(runId);
    }
    const created = this.runs.retryEnded(run, () => this.jobs.runnable(run.job_id).def, actor);
    const details = { retry_of: run.id };
    this.audit({ actor, action: 'run:retry', job_id: run.job_id, run_id: created.id, details });
    return this.runs.enqueue(created);
  }

  /** Enables or disables a job at runtime (`null` reverts to the jobs file's value). Persisted and audited. */
  setEnabled(jobId: string, enabled: boolean | null, actor: Actor): JobView {
    this.assertOpen();
    const entry = this.jobs.entry(jobId);
    const { before, after } = this.jobs.setEnabledOverride(entry, enabled, Date.now());
    const action = enabled === null ? 'job:enabled:revert' : enabled ? 'job:enable' : 'job:disable';
    this.audit({ actor, action, job_id: jobId, details: { before, after } });
    return this.jobChanged(entry);
  }

  /**
   * Overrides a job's schedule at runtime (`{cron, timezone?}`, `{every}` or
   * `{at}`), or reverts to the jobs file's with `null`. Persisted and audited;
   * the jobs file is never rewritten.
   */
  setScheduleOverride(jobId: string, input: unknown, actor: Actor): JobView {
    this.assertOpen();
    const entry = this.jobs.entry(jobId);
    const { before, after } = this.jobs.setScheduleOverride(entry, input, Date.now());
    const action = after ? 'job:schedule:override' : 'job:schedule:revert';
    this.audit({ actor, action, job_id: jobId, details: { before, after } });
    return this.jobChanged(entry);
  }

  /** Pauses all scheduling and the start of queued runs; running runs continue. */
  pause(actor: Actor): void {
    this.assertOpen();
    if (this.paused) return;
    // Slots already due are handled first, as an on-time timer would have: their runs wait queued while paused.
    this.scheduler.turn();
    this.store.setMeta('paused', '1');
    this.paused = true;
    this.audit({ actor, action: 'engine:pause' });
    this.events.emit('engine:paused', { paused: true });
    this.monitor.refreshAll();
    this.scheduler.arm();
  }

  /** Resumes scheduling after pause(); slots that passed while paused are not caught up. */
  resume(actor: Actor): void {
    this.assertOpen();
    if (!this.paused) return;
    this.storage.assertWritable();
    this.store.setMeta('paused', null);
    this.paused = false;
    this.audit({ actor, action: 'engine:resume' });
    // Slots that passed while paused were skipped on purpose: schedules continue from now.
    this.jobs.restartSchedules(Date.now());
    this.events.emit('engine:paused', { paused: false });
    this.monitor.refreshAll();
    this.scheduler.arm();
    this.dispatch();
  }

  /** Reads the jobs file again and applies it (what the watcher does on a change). */
  reload(actor: Actor): Promise<ConfigStatus> {
    this.assertOpen();
    this.audit({ actor, action: 'config:reload' });
    return this.jobsFileSync.reload();
  }

  /** Stores a settings change (audited); health, the scheduler timer and dispatch follow at once. */
  updateSettings(patch: Partial<Settings>, actor: Actor): Settings {
    this.assertOpen();
    const before = this.getSettings();
    this.store.updateSettings(patch);
    this.settingsCache = null;
    this.audit({ actor, action: 'settings:update', details: { before, patch } });
    this.monitor.refreshAll();
    this.scheduler.arm();
    this.dispatch();
    return this.getSettings();
  }

  /** Deletes runs (with logs and artifact files) past the retention settings. */
  applyRetention(): { deleted_runs: number } {
    return this.closed ? { deleted_runs: 0 } : this.retention.apply();
  }

  /** Call after the machine resumed from sleep (Electron's powerMonitor): missed slots are caught up now. */
  onResume(): void {
    if (this.closing) return;
    this.scheduler.resumed();
    this.scheduler.turn();
  }

  /** After an operator changed a job: its schedule, view and the timer follow. */
  private jobChanged(entry: JobEntry): JobView {
    this.jobs.refreshNextFire(entry, this.paused);
    this.monitor.refreshJob(entry);
    this.scheduler.arm();
    return this.monitor.jobView(entry);
  }

  // ───────────────────────────── runs ─────────────────────────────

  /** Starts queued runs while slots are free: by priority, then age; one run per job at a time. Not while writing fails. */
  private dispatch(): void {
    if (this.closing || this.paused || !this.storage.writable) return;
    this.active.startQueued(this.runs, Math.max(1, this.getSettings().max_concurrent_runs));
  }

  /** An operator's action goes to the audit trail; while writing fails it waits (storage-guard.ts). */
  private audit(entry: NewAuditEntry): void {
    const at = { ...entry, ts: Date.now() };
    this.storage.defer(`auditing ${entry.action}`, () => this.store.audit(at));
  }

  private assertOpen(): void {
    if (this.closing) throw new JobtrayError('unavailable', 'the engine is shutting down');
  }
}
