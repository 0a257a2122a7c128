/**
 * Jobtray's data model: every shape that crosses a boundary (engine events, the
 * Local API, IPC, the CLI, the renderer) is declared here once.
 *
 * Conventions: fields are snake_case (the same on the wire and in SQLite rows);
 * times are Unix epoch milliseconds; durations are milliseconds.
 */

/** Who asked for something. `engine` is the scheduler itself (schedule, retry, chain, catch-up). */
export const ACTORS = ['ui', 'tray', 'cli', 'api', 'engine'] as const;
export type Actor = (typeof ACTORS)[number];

/** Why a run exists. */
export const RUN_TRIGGERS = ['schedule', 'manual', 'retry', 'chain', 'catch_up'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * Run lifecycle (docs/ARCHITECTURE.md "Runs"):
 *   queued ──► running ──► succeeded | failed | timed_out | cancelled | interrupted
 *   retry_scheduled ──► queued          (a later attempt, waiting for its due time)
 *   queued ──► skipped                  (overlap, disabled, paused) — recorded with a reason
 */
export const RUN_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'interrupted',
  'skipped',
  'retry_scheduled',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States a run never leaves. */
export const TERMINAL_STATES: readonly RunState[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'interrupted',
  'skipped',
];
/** Terminal states that count as a failure of the attempt (and may be retried). */
export const FAILED_STATES: readonly RunState[] = ['failed', 'timed_out', 'interrupted'];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** Lower sorts first when runs wait for a slot. */
export const PRIORITY_RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export type ParamValue = string | number | boolean;
export type ParamValues = Record<string, ParamValue>;

export const PARAM_TYPES = ['integer', 'number', 'string', 'boolean', 'enum'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface ParamSpec {
  type: ParamType;
  /** Shown in forms; defaults to the param name. */
  label?: string;
  description?: string;
  default?: ParamValue;
  /** integer/number: value bounds; string: length bounds. */
  min?: number;
  max?: number;
  /** enum: the allowed values. */
  values?: string[];
  /** A value must be given (or have a default). */
  required: boolean;
}

/** How a job runs: an argv spawned from its worker, or a JS module run inside the worker thread. */
export const JOB_KINDS = ['command', 'script'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** What a new run does while another run of the same job is pending: recorded as skipped, or queued behind it. */
export const OVERLAP_MODES = ['skip', 'queue'] as const;
export type OverlapMode = (typeof OVERLAP_MODES)[number];
/** What happens to schedule slots missed while the app was closed or the machine slept. */
export const CATCH_UP_MODES = ['skip', 'once'] as const;
export type CatchUpMode = (typeof CATCH_UP_MODES)[number];
export const BACKOFF_MODES = ['fixed', 'exponential'] as const;
export type BackoffMode = (typeof BACKOFF_MODES)[number];

export type Schedule =
  | { kind: 'cron'; cron: string; timezone: string | null }
  | { kind: 'every'; every: string; every_ms: number }
  | { kind: 'at'; at: string; at_ms: number };

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = never retry. */
  max: number;
  backoff: BackoffMode;
  delay_ms: number;
  max_delay_ms: number;
  jitter: boolean;
}

export interface NotifyPolicy {
  on_failure: boolean;
  on_recovery: boolean;
  on_timeout: boolean;
  webhook: string | null;
}

/** A job as the engine runs it: validated, defaults filled, paths absolute. */
export interface JobDefinition {
  id: string;
  name: string;
  description: string | null;
  tags: string[];
  enabled: boolean;
  kind: JobKind;
  /** argv for command jobs (may contain `{{param}}` placeholders). */
  command: string[] | null;
  /** Absolute path of the JS module for script jobs. */
  script: string | null;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  /** null = manual only. */
  schedule: Schedule | null;
  params: Record<string, ParamSpec>;
  timeout_ms: number | null;
  retries: RetryPolicy;
  fatal_exit_codes: number[];
  overlap: OverlapMode;
  catch_up: CatchUpMode;
  on_success: string[];
  on_failure: string[];
  priority: Priority;
  notify: NotifyPolicy;
}

/** One problem in the jobs file. `message` is complete on its own and names file, job and field. */
export interface ConfigError {
  file: string;
  /** 1-based line in the file, when known. */
  line: number | null;
  job_id: string | null;
  /** Index in the `jobs` list, when the error is about one entry. */
  index: number | null;
  /** Dotted path inside the job (e.g. `schedule.cron`), or inside the file when no job. */
  field: string | null;
  message: string;
}

export interface ConfigStatus {
  file: string;
  /** Errors of the file as last read; empty when it is valid. */
  errors: ConfigError[];
  /** When the file was last read (ms). */
  loaded_at: number;
  /** When a set of jobs from the file was last applied (ms), null if never. */
  applied_at: number | null;
}

export const JOB_HEALTH = ['disabled', 'ok', 'running', 'retrying', 'overdue', 'invalid', 'failing'] as const;
/** Ordered from best to worst; the overall health is the worst job health. */
export type JobHealth = (typeof JOB_HEALTH)[number];

export interface HealthSnapshot {
  /** The worst job health; `failing` whatever the jobs' while `storage` is set. */
  overall: JobHealth;
  jobs: Record<string, JobHealth>;
  counts: Record<JobHealth, number>;
  paused: boolean;
  config_error_count: number;
  /** The storage problem the engine is in, null when writing works (docs/ARCHITECTURE.md "Storage"). */
  storage: StorageProblem | null;
}

/**
 * Writing to the data directory failed for lack of space or an I/O error; it
 * lasts until a retried write works (docs/API.md "Storage problems").
 */
export interface StorageProblem {
  /** The failure's code: `SQLITE_FULL`, `SQLITE_IOERR_*`, `ENOSPC`, `EDQUOT` or `EIO`. */
  code: string;
  /** The file or folder whose write failed. */
  path: string;
  /** Free space on that volume as last measured, null when it cannot be measured. */
  free_bytes: number | null;
  /** When the problem began (ms). */
  since: number;
  message: string;
  /** Log lines of running runs that could not be written since `since`. */
  dropped_log_lines: number;
  /** Scheduled fires held since `since` (recorded as skipped runs once writing works). */
  held_fires: number;
}

/** An operator's runtime change to a job; null fields follow the jobs file. */
export interface JobOverrides {
  enabled: boolean | null;
  schedule: Schedule | null;
}

export interface RunRecord {
  id: number;
  job_id: string;
  trigger: RunTrigger;
  requested_by: Actor;
  params: ParamValues;
  state: RunState;
  /** 1 for the first attempt. */
  attempt: number;
  /** 1 + retries.max when the run was created. */
  max_attempts: number;
  /** First attempt of this retry chain (its own id for a first attempt). */
  root_run_id: number;
  /** The run this one retries or was chained from. */
  parent_run_id: number | null;
  priority: Priority;
  /** Why a run was skipped / interrupted, or who cancelled it. */
  reason: string | null;
  created_at: number;
  /** retry_scheduled: when the retry is due. */
  due_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  progress: number | null;
  step: string | null;
  /** A command job's exit code (0 when it succeeded); null for script jobs and processes ended by a signal. */
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  /** Machine-readable error kind (see RUN_ERROR_CODES). */
  error_code: RunErrorCode | null;
  result: unknown;
  /** Process id of a command job's child (its process group leader). */
  pid: number | null;
  log_count: number;
  log_truncated: boolean;
}

export const LOG_STREAMS = ['stdout', 'stderr', 'job', 'system', 'progress'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Why an attempt ended without success, as stored in `RunRecord.error_code`:
 * - `exit_code`: a command exited non-zero (or by a signal of its own);
 * - `exception`: a script job threw;
 * - `fatal`: a FatalError or one of `fatal_exit_codes` (never retried);
 * - `spawn`: the worker or the command could not be started;
 * - `aborted`: a script job ended through its AbortSignal without a stop request;
 * - `timeout`, `cancelled`, `interrupted`: stopped by the engine (timeout, an operator, shutdown or crash);
 * - `worker_exit`: the worker thread died (process.exit, a crash);
 * - `out_of_memory`: the worker exceeded `worker_memory_mb`.
 */
export const RUN_ERROR_CODES = [
  'exit_code',
  'exception',
  'fatal',
  'spawn',
  'aborted',
  'timeout',
  'cancelled',
  'interrupted',
  'worker_exit',
  'out_of_memory',
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];
/** The error codes a worker reports itself (the others are the engine's). */
export type WorkerErrorCode = Extract<RunErrorCode, 'exception' | 'fatal' | 'exit_code' | 'spawn' | 'aborted'>;

/** Why the engine stops an attempt before it ends on its own. */
export const STOP_REASONS = ['timeout', 'cancel', 'shutdown'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** A log line on its way in (from a worker, or the engine's own system lines), before the store numbers it. */
export type LogLineInput = Pick<LogLine, 'ts' | 'stream' | 'level' | 'message'>;

export interface LogLine {
  run_id: number;
  /** 1-based, gap-free order within the run. */
  seq: number;
  ts: number;
  stream: LogStream;
  level: LogLevel;
  message: string;
}

export const MAX_ARTIFACT_NAME_LENGTH = 128;

/**
 * Why `name` cannot be an artifact name, or null when it can. The engine stores
 * an artifact under its name in the data directory, so it must be one plain
 * file name.
 */
export function artifactNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'it must be a non-empty string';
  if (name.length > MAX_ARTIFACT_NAME_LENGTH) return `it is longer than ${MAX_ARTIFACT_NAME_LENGTH} characters`;
  if (/[/\\]/.test(name)) return 'it must not contain a path separator (/ or \\)';
  if (name === '.' || name.includes('..')) return 'it must not be "." or contain ".."';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it must not contain control characters';
  return null;
}

export interface ArtifactRecord {
  run_id: number;
  name: string;
  size: number;
  sha256: string;
  /** Path relative to the data directory. */
  path: string;
  media_type: string;
  created_at: number;
}

/** An online copy of the database (operation `store:backup`, and the daily automatic one). */
export interface BackupInfo {
  /** Absolute path of the backup file, on the machine running Jobtray. */
  file: string;
  bytes: number;
  created_at: number;
  /** Older automatic backups deleted to keep the last ones (absolute paths). */
  pruned: string[];
}

export interface AuditEntry {
  id: number;
  ts: number;
  actor: Actor;
  action: string;
  job_id: string | null;
  run_id: number | null;
  details: unknown;
}

/** A job with its live state, as lists and cards show it. */
export interface JobView {
  id: string;
  /** Effective definition (file values with overrides applied); null when the job only exists as an invalid entry. */
  definition: JobDefinition | null;
  /** The jobs file's own schedule/enabled, to show overrides against. */
  file_schedule: Schedule | null;
  file_enabled: boolean;
  overrides: JobOverrides;
  enabled: boolean;
  health: JobHealth;
  last_run: RunRecord | null;
  active_run_ids: number[];
  next_fire_at: number | null;
  last_fire_at: number | null;
  /** Errors of this job's entry in the jobs file; non-empty means health `invalid`. */
  config_errors: ConfigError[];
  /** Outcomes of the runs created in the last 24 hours. */
  stats_24h: JobStats;
}

/**
 * A job's run outcomes over a time window. Only runs with an outcome count:
 * skipped runs (overlap, disabled) never executed, and queued, running or
 * retry-waiting runs have no outcome yet.
 */
export interface JobStats {
  /** Runs that ended: succeeded, failed, timed out, interrupted or cancelled. */
  runs: number;
  succeeded: number;
  /** Failed, timed out or interrupted (FAILED_STATES); cancelled runs count in `runs` only. */
  failed: number;
  /** Mean duration of the counted runs that have one; null when none has. */
  avg_duration_ms: number | null;
}

export const EMPTY_JOB_STATS: Readonly<JobStats> = Object.freeze({
  runs: 0,
  succeeded: 0,
  failed: 0,
  avg_duration_ms: null,
});

export interface Settings {
  /** Runs executing at once across all jobs; more wait as `queued`. */
  max_concurrent_runs: number;
  /** Time between the graceful stop (signal/SIGTERM) and the forced one (terminate/SIGKILL). */
  kill_grace_ms: number;
  /** Log lines stored per run; past it a truncation marker is stored. */
  log_cap_per_run: number;
  /** Finished runs older than this are deleted (0 = keep forever). */
  retention_max_age_days: number;
  /** Finished runs kept per job, newest first (0 = unlimited). */
  retention_max_runs_per_job: number;
  /** Slack after a job's expected period before it counts as overdue. */
  overdue_grace_ms: number;
  /** V8 heap limit of each run's worker thread. */
  worker_memory_mb: number;
  /** Timeout for jobs that set none (null = none). */
  default_timeout_ms: number | null;
  /** Global webhook for notifications (jobs may set their own). */
  webhook_url: string | null;
  /** No desktop notifications and no webhooks are sent for alerts (a test webhook still is). */
  notifications_muted: boolean;
  /** Port of the Local API on 127.0.0.1 (0 = any free port). */
  api_port: number;
  /** A daily online backup of the database into `<data dir>/backups/`, keeping the last 7. */
  backup_enabled: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  max_concurrent_runs: 4,
  kill_grace_ms: 5_000,
  log_cap_per_run: 50_000,
  retention_max_age_days: 90,
  retention_max_runs_per_job: 5_000,
  overdue_grace_ms: 5 * 60_000,
  worker_memory_mb: 512,
  default_timeout_ms: null,
  webhook_url: null,
  notifications_muted: false,
  api_port: 4770,
  backup_enabled: true,
};

/** One run in a sparkline: a run that ended with an outcome (terminal, not skipped). */
export interface RunOutcomePoint {
  id: number;
  state: RunState;
  duration_ms: number | null;
  finished_at: number | null;
}

/** The answer of a schedule preview: the next fire times, or why the engine would refuse the schedule. */
export type SchedulePreview = { valid: true; schedule: Schedule; next: number[] } | { valid: false; error: string };

/** How a test webhook went; `url` is shown without credentials or query. */
export interface WebhookTestResult {
  delivered: boolean;
  url: string;
  /** The HTTP status, when the server answered. */
  status: number | null;
  message: string;
}

export interface RunFilter {
  job_id?: string;
  state?: RunState;
  trigger?: RunTrigger;
  since?: number;
  until?: number;
  /** Matches job id, error text and step. */
  q?: string;
  limit?: number;
  /** Opaque: the `next_cursor` of a previous page. */
  cursor?: string;
}

export interface RunPage {
  runs: RunRecord[];
  next_cursor: string | null;
}

export interface LogQuery {
  /** Lines with seq greater than this. */
  after?: number;
  limit?: number;
  level?: LogLevel;
  q?: string;
}

export interface LogPage {
  lines: LogLine[];
  /** Pass as `after` to get the next page; null when no more lines exist now. */
  next_after: number | null;
}

export const ALERT_KINDS = ['failure', 'recovery', 'timeout', 'config_error', 'storage', 'storage_recovered'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Something an operator should hear about: desktop notifications and webhooks
 * are sent for these, and only these. Raised on transitions (a job starting to
 * fail, recovering, a run timing out, the jobs file turning invalid, writing
 * to the data directory failing and working again), never on every failed attempt.
 */
export interface JobAlert {
  kind: AlertKind;
  /** null for config errors of the file as a whole and for storage alerts. */
  job_id: string | null;
  run_id: number | null;
  title: string;
  body: string;
  at: number;
}
