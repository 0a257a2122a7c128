/**
 * The engine: its public API (queries and operations), dispatch and the one
 * scheduler timer. The rest lives beside it, each part behind a narrow
 * context: the waiting runs, retries and chains (run-queue.ts), an attempt of
 * a run (attempt.ts) with its log buffer (run-log-buffer.ts), the jobs and
 * their overrides (job-registry.ts), their health and views (job-monitor.ts),
 * the jobs-file watcher (jobs-file-watcher.ts) and the alert texts (alerts.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ConfigStatus, HealthSnapshot, JobView, LogPage, LogQuery, RunFilter, RunOutcomePoint, RunPage, RunRecord, Settings, Actor, ArtifactRecord, AuditEntry, RunTrigger } from '../../contract/model.js';
import { DEFAULT_SETTINGS, PRIORITY_RANK, isTerminal } from '../../contract/model.js';
import { JobtrayError, coerceError } from '../../contract/errors.js';
import { lastSlotBetween, nextFireAfter } from '../../contract/schedule.js';
import { ensureJobsFile, loadJobsFile, type LoadResult } from './jobs-file/index.js';
import { resolveParams } from './params.js';
import { openStore, type Store } from './store/index.js';
import { Runner } from './runner.js';
import { EngineEvents } from './events.js';
import { createLogger, type Logger } from './logger.js';
import { removeArtifactFiles } from './artifacts.js';
import { defaultResourcesDir, defaultWorkerPath } from './paths.js';
import { Attempt, type AttemptContext } from './attempt.js';
import { configErrorAlert } from './alerts.js';
import { JobRegistry, effectiveDef, type JobEntry } from './job-registry.js';
import { JobMonitor } from './job-monitor.js';
import { JobsFileWatcher } from './jobs-file-watcher.js';
import { RunQueue } from './run-queue.js';
import { currentNodeRuntime, type NodeRuntime } from './node-command.js';

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
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
const RETENTION_EVERY_MS = 3_600_000;

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
  private readonly jobs: JobRegistry;
  private readonly monitor: JobMonitor;
  private readonly runs: RunQueue;
  /** What every attempt reaches of the engine. */
  private readonly attemptContext: AttemptContext;
  private settingsOverride: Partial<Settings>;
  private settingsCache: Settings | null = null;
  private readonly active = new Map<number, Attempt>();
  private paused = false;
  private closing = false;
  private closingDone: Promise<void> | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt: number | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private watcher: JobsFileWatcher | null = null;
  private reloading: Promise<ConfigStatus> | null = null;

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
    this.jobs = new JobRegistry({ store: this.store, jobsFile: this.jobsFile });
    const { store, events, logger, storeId } = this;
    const settings = () => this.getSettings();
    // The monitor and the queue need each other: the monitor reaches the queue once both exist.
    const runs = { pendingOf: (jobId: string) => this.runs.pendingOf(jobId), running: (jobId: string) => this.runs.running(jobId), retryPending: (jobId: string) => this.runs.retryPending(jobId) };
    this.monitor = new JobMonitor({ jobs: this.jobs, runs, store, events, settings, isPaused: () => this.paused });
    this.runs = new RunQueue({ store, events, logger, storeId, jobs: this.jobs, monitor: this.monitor, active: this.active, isClosing: () => this.closing, dispatch: () => this.dispatch(), armTimer: () => this.armTimer() });
    this.attemptContext = {
      store,
      events,
      logger,
      storeId,
      settings,
      runner: this.runner,
      dataDir: this.dataDir,
      nodeRuntime: options.nodeRuntime ?? currentNodeRuntime(),
      attemptEnded: (run, def) => {
        this.active.delete(run.id);
        this.runs.afterAttempt(run, def);
        this.dispatch();
      },
    };
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
    const result = await loadJobsFile(this.jobsFile);
    this.applyLoadResult(result);
    this.logger.info(`engine started: ${this.jobs.size} jobs from ${this.jobsFile}`);
    if (this.options.watch !== false) {
      this.watcher = new JobsFileWatcher({ file: this.jobsFile, logger: this.logger, onChange: () => void this.reloadNow() });
      await this.watcher.ready;
    }
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

  /**
   * Escalates a close() under way: every running attempt is killed now
   * instead of after its grace period (a second quit while quitting).
   */
  stopRunsNow(): void {
    if (!this.closing) return;
    for (const attempt of this.active.values()) attempt.stopNow();
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.watcher?.close();
    await this.reloading?.catch(() => {});
    const running = [...this.active.values()];
    for (const attempt of running) attempt.stop('shutdown', 'engine');
    await Promise.all(running.map((attempt) => attempt.settled));
    await this.runner.close();
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
    const entry = this.jobs.entry(jobId);
    const def = effectiveDef(entry);
    if (!def) {
      throw new JobtrayError('conflict', `job "${jobId}" cannot run: its entry in ${this.jobsFile} is invalid (${entry.errors[0]?.message ?? 'see config errors'})`);
    }
    const params = resolveParams(def, opts.params);
    const run = this.runs.create(entry, def, { trigger: 'manual', actor: opts.actor, params, parent: null, idempotencyKey: opts.idempotencyKey ?? null });
    this.store.audit({ actor: opts.actor, action: 'run:trigger', job_id: jobId, run_id: run.id, details: { params } });
    return run;
  }

  /** Cancels a queued, waiting or running run. */
  cancel(runId: number, actor: Actor): RunRecord {
    this.assertOpen();
    const run = this.getRun(runId);
    if (isTerminal(run.state)) throw new JobtrayError('conflict', `run ${runId} already ended (${run.state}); nothing to cancel`);
    this.store.audit({ actor, action: 'run:cancel', job_id: run.job_id, run_id: runId });
    const attempt = this.active.get(runId);
    if (attempt) {
      attempt.stop('cancel', actor);
      return this.getRun(runId);
    }
    const updated = this.runs.cancelWaiting(runId, actor);
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
      return this.runs.retryNow(runId);
    }
    if (!isTerminal(run.state) || run.state === 'succeeded' || run.state === 'skipped') {
      throw new JobtrayError('conflict', `run ${runId} is ${run.state}; only failed, timed out, interrupted or cancelled runs can be retried`);
    }
    const def = effectiveDef(this.jobs.entry(run.job_id));
    if (!def) throw new JobtrayError('conflict', `job "${run.job_id}" cannot run: its entry in the jobs file is invalid`);
    const created = this.runs.insertRetry(run, def, { requested_by: actor, state: 'queued' });
    this.store.audit({ actor, action: 'run:retry', job_id: run.job_id, run_id: created.id, details: { retry_of: run.id } });
    return this.runs.enqueue(created);
  }

  /** Enables or disables a job at runtime (`null` reverts to the jobs file's value). Persisted and audited. */
  setEnabled(jobId: string, enabled: boolean | null, actor: Actor): JobView {
    this.assertOpen();
    const entry = this.jobs.entry(jobId);
    const { before, after } = this.jobs.setEnabledOverride(entry, enabled, Date.now());
    this.store.audit({ actor, action: enabled === null ? 'job:enabled:revert' : enabled ? 'job:enable' : 'job:disable', job_id: jobId, details: { before, after } });
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
    this.store.audit({ actor, action: after ? 'job:schedule:override' : 'job:schedule:revert', job_id: jobId, details: { before, after } });
    return this.jobChanged(entry);
  }

  /** Pauses all scheduling and the start of queued runs; running runs continue. */
  pause(actor: Actor): void {
    this.assertOpen();
    if (this.paused) return;
    this.paused = true;
    this.store.setMeta('paused', '1');
    this.store.audit({ actor, action: 'engine:pause' });
    this.events.emit('engine:paused', { paused: true });
    this.monitor.refreshAll();
    this.armTimer();
  }

  /** Resumes scheduling after pause(); slots that passed while paused are not caught up. */
  resume(actor: Actor): void {
    this.assertOpen();
    if (!this.paused) return;
    this.paused = false;
    this.store.setMeta('paused', null);
    this.store.audit({ actor, action: 'engine:resume' });
    // Slots that passed while paused were skipped on purpose: schedules continue from now.
    const now = Date.now();
    for (const entry of this.jobs.values()) {
      this.jobs.restartSchedule(entry, now);
      this.jobs.refreshNextFire(entry, this.paused);
    }
    this.events.emit('engine:paused', { paused: false });
    this.monitor.refreshAll();
    this.armTimer();
    this.dispatch();
  }

  /** Reads the jobs file again and applies it (what the watcher does on a change). */
  reload(actor: Actor): Promise<ConfigStatus> {
    this.assertOpen();
    this.store.audit({ actor, action: 'config:reload' });
    return this.reloadNow();
  }

  /** Stores a settings change (audited); health, the scheduler timer and dispatch follow at once. */
  updateSettings(patch: Partial<Settings>, actor: Actor): Settings {
    this.assertOpen();
    const before = this.getSettings();
    this.store.updateSettings(patch);
    this.settingsCache = null;
    this.store.audit({ actor, action: 'settings:update', details: { before, patch } });
    this.monitor.refreshAll();
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

  /** Reads and applies the jobs file after any read already under way. */
  private reloadNow(): Promise<ConfigStatus> {
    const previous = this.reloading ?? Promise.resolve(this.jobs.status);
    this.reloading = previous
      .catch(() => this.jobs.status)
      .then(async () => {
        const result = await loadJobsFile(this.jobsFile);
        if (!this.closing) this.applyLoadResult(result);
        return this.jobs.status;
      });
    return this.reloading;
  }

  /**
   * Applies a read of the jobs file (see JobRegistry.applyFile). Pending runs
   * of a removed job are skipped; running runs are never touched: they finish
   * with the definition they started with.
   */
  private applyLoadResult(result: LoadResult): void {
    const { removed, newErrors } = this.jobs.applyFile(result, Date.now());
    for (const id of removed) {
      this.runs.dropPending(id, 'the job was removed from the jobs file');
      this.events.emit('job:removed', { job_id: id });
    }
    if (!result.fatal) for (const entry of this.jobs.values()) this.jobs.refreshNextFire(entry, this.paused);
    if (result.errors.length > 0) {
      this.logger.warn(`${this.jobsFile}: ${result.errors.length} error(s)${result.fatal ? ', nothing applied' : ''}\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
      this.events.emit('config:error', this.jobs.status);
      if (newErrors) this.events.emit('job:alert', configErrorAlert(path.basename(this.jobsFile), result.errors, result.fatal, Date.now()));
    }
    if (!result.fatal) this.events.emit('config:applied', this.jobs.status);
    this.monitor.refreshAll(true);
    this.armTimer();
    this.dispatch();
  }

  /** After an operator changed a job: its schedule, view and the timer follow. */
  private jobChanged(entry: JobEntry): JobView {
    this.jobs.refreshNextFire(entry, this.paused);
    this.monitor.refreshJob(entry);
    this.armTimer();
    return this.monitor.jobView(entry);
  }

  // ───────────────────────────── runs ─────────────────────────────

  /** Starts queued runs while slots are free: by priority, then age; one run per job at a time. */
  private dispatch(): void {
    if (this.closing || this.paused) return;
    const limit = Math.max(1, this.getSettings().max_concurrent_runs);
    while (this.active.size < limit) {
      const busyJobs = new Set<string>();
      for (const attempt of this.active.values()) busyJobs.add(attempt.run.job_id);
      // One pass, no sort: dispatch runs on every trigger and every finished run, with the whole queue waiting.
      let next: RunRecord | null = null;
      for (const r of this.runs.queued.values()) {
        if (busyJobs.has(r.job_id)) continue;
        if (!next || PRIORITY_RANK[r.priority] - PRIORITY_RANK[next.priority] < 0 || (r.priority === next.priority && r.id < next.id)) next = r;
      }
      if (!next) return;
      this.runs.queued.delete(next.id);
      this.startAttempt(next);
    }
  }

  /** Starts an attempt of a queued run with its job's definition as of now; the attempt reports back through attemptEnded. */
  private startAttempt(queuedRun: RunRecord): void {
    const entry = this.jobs.get(queuedRun.job_id);
    const def = entry ? effectiveDef(entry) : null;
    if (!entry || !def) {
      this.runs.announce(this.store.updateRun(queuedRun.id, { state: 'skipped', reason: 'the job no longer exists in the jobs file', finished_at: Date.now() }));
      return;
    }
    const run = this.store.updateRun(queuedRun.id, { state: 'running', started_at: Date.now() });
    const attempt = new Attempt(this.attemptContext, run, def);
    // Active before it is announced: the job's view and health show it running.
    this.active.set(run.id, attempt);
    this.runs.announce(run);
    attempt.start();
  }

  // ───────────────────────────── scheduler ─────────────────────────────

  /** Arms the one scheduler timer for the earliest thing due: a slot, a retry, an overdue deadline. */
  private armTimer(): void {
    if (this.closing) return;
    const now = Date.now();
    let due = now + MAX_TIMER_MS;
    for (const entry of this.jobs.values()) {
      if (entry.state.next_fire_at !== null) due = Math.min(due, entry.state.next_fire_at);
      const overdue = this.monitor.overdueAt(entry);
      if (overdue !== null && overdue > now) due = Math.min(due, overdue);
    }
    if (!this.paused) for (const run of this.runs.retries.values()) due = Math.min(due, run.due_at ?? now);
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
    this.runs.retryRecovered();
    if (!this.paused) {
      this.runs.releaseDueRetries(now);
      for (const entry of this.jobs.values()) this.fireDue(entry, now);
    }
    this.monitor.refreshAll();
    this.armTimer();
  }

  /**
   * Fires a job whose slot is due. Exactly one due slot within the tolerance
   * is an ordinary `schedule` run; more than one, or one long past (the engine
   * was down, the machine slept) were missed: `catch_up: once` runs the job
   * once with trigger `catch_up`, `skip` lets them go.
   */
  private fireDue(entry: JobEntry, now: number): void {
    const def = effectiveDef(entry);
    if (!def || !def.enabled || !def.schedule) return;
    const since = entry.state.last_slot_at ?? entry.state.first_seen_at;
    const newest = lastSlotBetween(def.schedule, since, now, since);
    if (newest === null) {
      this.jobs.refreshNextFire(entry, this.paused);
      return;
    }
    const first = nextFireAfter(def.schedule, since, since) ?? newest;
    const onTime = first === newest && now - newest <= ON_TIME_TOLERANCE_MS;
    const trigger: RunTrigger | null = onTime ? 'schedule' : def.catch_up === 'once' ? 'catch_up' : null;
    entry.state = this.store.upsertJobState(entry.id, { last_slot_at: newest, ...(trigger ? { last_fire_at: now } : {}) });
    if (trigger) {
      try {
        this.runs.create(entry, def, { trigger, actor: 'engine', params: resolveParams(def, {}), parent: null });
      } catch (error) {
        this.logger.error(`job "${entry.id}": scheduled run not created: ${coerceError(error).message}`);
      }
    } else {
      this.logger.info(`job "${entry.id}": missed slot ${new Date(newest).toISOString()} skipped (catch_up: skip)`);
    }
    this.jobs.refreshNextFire(entry, this.paused);
  }

  private assertOpen(): void {
    if (this.closing) throw new JobtrayError('unavailable', 'the engine is shutting down');
  }
}
