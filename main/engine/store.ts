import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { SettingsSchema } from '../../contract/api.js';
import { JobtrayError } from '../../contract/errors.js';
import {
  DEFAULT_SETTINGS,
  FAILED_STATES,
  LOG_LEVELS,
  TERMINAL_STATES,
  type Actor,
  type ArtifactRecord,
  type AuditEntry,
  type JobStats,
  type LogLevel,
  type LogLine,
  type LogLineInput,
  type LogPage,
  type LogQuery,
  type ParamValues,
  type RunFilter,
  type RunOutcomePoint,
  type RunPage,
  type RunRecord,
  type RunState,
  type RunTrigger,
  type Schedule,
  type Settings,
} from '../../contract/model.js';
import { ACTIVE_STATES_SQL, FINISHED_STATES_SQL, migrate } from './migrations.js';

/**
 * The run store: the only writer of Jobtray's data (DESIGN.md "Storage").
 * Every method is synchronous and returns contract records, never raw rows.
 * Every statement is prepared once, when the store opens.
 */

/** Log lines per multi-row INSERT (6 parameters each; SQLite allows 32,766 parameters per statement). */
const LOG_ROWS_PER_INSERT = 64;

export interface StoreOptions {
  /** The SQLite file; its parent folders are created. */
  path: string;
  /** better-sqlite3's compiled addon to load (the Electron app ships an Electron-ABI build). */
  nativeBinding?: string;
}

/** What a caller gives to record a new run; everything else starts empty. */
export type NewRun = Pick<
  RunRecord,
  'job_id' | 'trigger' | 'requested_by' | 'params' | 'state' | 'attempt' | 'max_attempts' | 'parent_run_id' | 'priority'
> &
  Partial<Pick<RunRecord, 'reason' | 'due_at' | 'created_at' | 'root_run_id' | 'started_at' | 'finished_at'>> & {
    /** Local API `Idempotency-Key`; see findRunByIdempotencyKey. */
    idempotency_key?: string | null;
  };

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'job_id'>>;

/** The engine's persisted per-job state; null fields mean "not set". */
export interface JobStateRow {
  job_id: string;
  /** Operator's enable/disable; null follows the jobs file. */
  enabled_override: boolean | null;
  /** Operator's schedule; null follows the jobs file. */
  schedule_override: Schedule | null;
  last_fire_at: number | null;
  next_fire_at: number | null;
  /** The last schedule slot handled (fired, skipped or caught up), for catch-up after downtime. */
  last_slot_at: number | null;
  first_seen_at: number;
  updated_at: number;
}

export interface NewAuditEntry {
  actor: Actor;
  action: string;
  job_id?: string | null;
  run_id?: number | null;
  details?: unknown;
  ts?: number;
}

export interface RetentionOptions {
  /** Terminal runs that ended longer ago are deleted; 0 = no age limit. */
  max_age_days: number;
  /** Terminal runs kept per job, newest first; 0 = no count limit. */
  max_runs_per_job: number;
  now: number;
  /** Runs deleted per transaction (default 1000). */
  batch?: number;
}

export interface RetentionResult {
  deleted_runs: number;
  /** Artifact files of the deleted runs (relative to the data directory), for the caller to delete. */
  artifact_paths: string[];
}

const RUN_PAGE = { default: 50, max: 500 };
const LOG_PAGE = { default: 500, max: 5000 };
const AUDIT_PAGE = { default: 100, max: 1000 };
const DAY_MS = 86_400_000;

/**
 * A CTE `jobs (job_id)` of the distinct job ids in `runs`, walked through the
 * (job_id, id DESC) index one id at a time instead of grouping every run:
 * O(jobs · log runs). Ends with a NULL row; callers filter `job_id IS NOT NULL`.
 */
const EACH_JOB_ID = `WITH RECURSIVE jobs (job_id) AS (
        SELECT min(job_id) FROM runs
        UNION ALL
        SELECT (SELECT min(job_id) FROM runs WHERE job_id > jobs.job_id) FROM jobs WHERE jobs.job_id IS NOT NULL
      )`;

/** The contract's own constants, as an SQL list; never user input. */
function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}

// ---------------------------------------------------------------------------
// Rows and their mapping to contract records

/** Columns of `runs` that mirror RunRecord, in one place for INSERT and UPDATE. */
const RUN_COLUMNS = [
  'job_id',
  'trigger',
  'requested_by',
  'params',
  'state',
  'attempt',
  'max_attempts',
  'root_run_id',
  'parent_run_id',
  'priority',
  'reason',
  'created_at',
  'due_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'progress',
  'step',
  'exit_code',
  'signal',
  'error',
  'error_code',
  'result',
  'pid',
  'log_count',
  'log_truncated',
] as const satisfies readonly (keyof RunRecord)[];

type RunColumn = (typeof RUN_COLUMNS)[number];
// Fails to compile when RunRecord gains a field that RUN_COLUMNS does not list.
const _everyFieldHasAColumn: [Exclude<keyof RunRecord, RunColumn | 'id'>] extends [never] ? true : never = true;

/** A `runs` row as SQLite stores it: JSON as text, booleans as 0/1. */
type RunRow = Omit<RunRecord, 'params' | 'result' | 'log_truncated' | 'root_run_id'> & {
  params: string;
  result: string | null;
  log_truncated: number;
  root_run_id: number | null;
  idempotency_key: string | null;
};

type RunWrite = Omit<RunRow, 'id' | 'idempotency_key'>;

function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function runFromRow(row: RunRow): RunRecord {
  const { idempotency_key: _key, ...fields } = row;
  return {
    ...fields,
    params: JSON.parse(row.params) as ParamValues,
    result: fromJson(row.result),
    log_truncated: row.log_truncated === 1,
    // Set by insertRun in the same transaction as the insert; see migrations.ts.
    root_run_id: row.root_run_id ?? row.id,
  };
}

function runToWrite(run: Omit<RunRecord, 'id' | 'root_run_id'> & { root_run_id: number | null }): RunWrite {
  const write = {} as Record<RunColumn, unknown>;
  for (const column of RUN_COLUMNS) write[column] = run[column] ?? null;
  return {
    ...(write as RunWrite),
    params: JSON.stringify(run.params),
    result: toJson(run.result),
    log_truncated: run.log_truncated ? 1 : 0,
  };
}

interface JobStateDbRow {
  job_id: string;
  enabled_override: number | null;
  schedule_override: string | null;
  last_fire_at: number | null;
  next_fire_at: number | null;
  last_slot_at: number | null;
  first_seen_at: number;
  updated_at: number;
}

function jobStateFromRow(row: JobStateDbRow): JobStateRow {
  return {
    ...row,
    enabled_override: row.enabled_override === null ? null : row.enabled_override === 1,
    schedule_override: fromJson(row.schedule_override) as Schedule | null,
  };
}

function jobStateToRow(state: JobStateRow): JobStateDbRow {
  return {
    ...state,
    enabled_override: state.enabled_override === null ? null : state.enabled_override ? 1 : 0,
    schedule_override: toJson(state.schedule_override),
  };
}

/** An audit entry as stored: `details` is JSON text. */
type AuditRow = Omit<AuditEntry, 'details'> & { details: string | null };

function auditFromRow(row: AuditRow): AuditEntry {
  return { ...row, details: fromJson(row.details) };
}

// ---------------------------------------------------------------------------
// Input checks shared by the queries

/** Drops keys whose value is undefined, so `{ error: undefined }` leaves a field alone. */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A page size: default when absent, capped at `max`; anything but a positive integer is refused. */
function pageLimit(limit: number | undefined, page: { default: number; max: number }, what: string): number {
  if (limit === undefined) return page.default;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new JobtrayError('invalid_input', `${what}: limit must be a positive integer, got ${JSON.stringify(limit)}`);
  }
  return Math.min(limit, page.max);
}

function nonNegativeInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new JobtrayError('invalid_input', `${what} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (used with ESCAPE '\'). */
function containsPattern(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Cursors are opaque to callers: base64url of the last run id of the previous page. */
function encodeCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const id = Number(text);
  // Re-encoding must give the same string, so garbage that happens to decode is refused too.
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(id) || encodeCursor(id) !== cursor) {
    throw new JobtrayError('invalid_input', `invalid cursor "${cursor}": pass the next_cursor of a previous page`);
  }
  return id;
}

/** Levels at or above `level` (debug < info < warn < error). */
function levelsFrom(level: LogLevel | undefined): LogLevel[] {
  if (level === undefined) return [...LOG_LEVELS];
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) {
    throw new JobtrayError('invalid_input', `log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return LOG_LEVELS.slice(index);
}

function truncationMarker(cap: number): string {
  return `log truncated: more than ${cap} lines; further lines are not stored`;
}

// ---------------------------------------------------------------------------
// Settings validation


/** One schema per setting; typed against Settings so a new setting cannot be forgotten here. */
export const SETTING_SCHEMAS: { [K in keyof Settings]: z.ZodType<Settings[K]> } = SettingsSchema.shape;

function isSettingKey(key: string): key is keyof Settings {
  return Object.hasOwn(SETTING_SCHEMAS, key);
}

/** Checks every key of a settings patch; one error lists every bad key with its value. */
function validateSettingsPatch(patch: unknown): Partial<Settings> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new JobtrayError('invalid_input', `settings patch must be an object, got ${JSON.stringify(patch)}`);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!isSettingKey(key)) {
      problems.push(`unknown setting "${key}" (value ${JSON.stringify(value)}); known: ${Object.keys(SETTING_SCHEMAS).join(', ')}`);
      continue;
    }
    const parsed = SETTING_SCHEMAS[key].safeParse(value);
    if (!parsed.success) {
      const why = parsed.error.issues.map((issue) => issue.message).join(', ');
      problems.push(`setting "${key}" cannot be ${JSON.stringify(value)}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new JobtrayError('invalid_input', `invalid settings: ${problems.join('; ')}`, { problems });
  }
  return patch as Partial<Settings>;
}

// ---------------------------------------------------------------------------
// Statements

/** Named parameters of the run list queries; every variant takes all of them. */
interface RunListParams {
  job_id: string | null;
  state: RunState | null;
  trigger: RunTrigger | null;
  since: number | null;
  until: number | null;
  q: string | null;
  /** Keyset: only ids below this (MAX_SAFE_INTEGER on the first page, so the index range stays usable). */
  before: number;
  limit: number;
}

/**
 * The run list runs as one of several statements, each driven by the index of
 * one filter (job, state, trigger, time range) so it stays fast with a million
 * runs; the other filters are residual `@x IS NULL OR …` terms, identical in all.
 */
function prepareRunListQueries(db: Database.Database) {
  const residual = `
    id < @before
    AND (@job_id IS NULL OR job_id = @job_id)
    AND (@state IS NULL OR state = @state)
    AND (@trigger IS NULL OR trigger = @trigger)
    AND (@since IS NULL OR created_at >= @since)
    AND (@until IS NULL OR created_at <= @until)
    AND (@q IS NULL OR job_id LIKE @q ESCAPE '\\' OR error LIKE @q ESCAPE '\\' OR step LIKE @q ESCAPE '\\')`;
  const variant = (driver: string) =>
    db.prepare<RunListParams, RunRow>(`SELECT * FROM runs WHERE ${driver} AND ${residual} ORDER BY id DESC LIMIT @limit`);
  return {
    byJob: variant('job_id = @job_id'),
    byState: variant('state = @state'),
    byTrigger: variant('trigger = @trigger'),
    byCreated: variant(`created_at BETWEEN coalesce(@since, ${Number.MIN_SAFE_INTEGER}) AND coalesce(@until, ${Number.MAX_SAFE_INTEGER})`),
    all: variant('1'),
  };
}

function prepareStatements(db: Database.Database) {
  const terminal = sqlList(TERMINAL_STATES);
  return {
    insertRun: db.prepare<RunWrite & { idempotency_key: string | null }>(
      `INSERT INTO runs (${RUN_COLUMNS.join(', ')}, idempotency_key)
       VALUES (${RUN_COLUMNS.map((column) => `@${column}`).join(', ')}, @idempotency_key)`,
    ),
    setOwnRoot: db.prepare<[number]>('UPDATE runs SET root_run_id = id WHERE id = ? AND root_run_id IS NULL'),
    updateRun: db.prepare<RunWrite & { id: number }>(
      `UPDATE runs SET ${RUN_COLUMNS.map((column) => `${column} = @${column}`).join(', ')} WHERE id = @id`,
    ),
    getRun: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
    runByIdempotencyKey: db.prepare<[string, number], RunRow>(
      `SELECT * FROM runs WHERE idempotency_key = ? AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT 1`,
    ),
    listRuns: prepareRunListQueries(db),
    runsInStates: db.prepare<[string], RunRow>(
      'SELECT * FROM runs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id',
    ),
    // Walks the distinct job ids (EACH_JOB_ID), then each one's newest run.
    latestRunPerJob: db.prepare<[], RunRow>(`
      ${EACH_JOB_ID}
      SELECT runs.* FROM jobs JOIN runs
        ON runs.id = (SELECT id FROM runs AS newest WHERE newest.job_id = jobs.job_id ORDER BY id DESC LIMIT 1)
      ORDER BY runs.job_id`),
    // Repeats runs_finished's predicate verbatim so SQLite uses that partial index.
    latestFinishedRun: db.prepare<[string], RunRow>(
      `SELECT * FROM runs INDEXED BY runs_finished
       WHERE job_id = ? AND state IN (${FINISHED_STATES_SQL}) ORDER BY id DESC LIMIT 1`,
    ),
    // The active-states term repeats runs_active's predicate, which lets SQLite use
    // that partial index; INDEXED BY keeps it from scanning all of a job's runs instead.
    activeRunIds: db
      .prepare<[string], number>(
        `SELECT id FROM runs INDEXED BY runs_active
         WHERE job_id = ? AND state IN (${ACTIVE_STATES_SQL}) AND state IN ('queued', 'running') ORDER BY id`,
      )
      .pluck(),
    // Walks the distinct job ids (as latestRunPerJob does), then aggregates each job's
    // runs in the window with one range scan of the covering runs_job_stats index:
    // O(jobs · log runs + runs in the window), and no sort, which a GROUP BY over a
    // created_at range would need (twice as slow at a million runs). INDEXED BY keeps
    // the planner from scanning all of a job's runs through runs_by_job instead.
    jobStats: db.prepare<[number], { job_id: string; stats: string }>(`
      ${EACH_JOB_ID}
      SELECT job_id, (
        SELECT json_array(
          count(*),
          count(*) FILTER (WHERE state = 'succeeded'),
          count(*) FILTER (WHERE state IN (${sqlList(FAILED_STATES)})),
          avg(duration_ms))
        FROM runs INDEXED BY runs_job_stats
        WHERE runs.job_id = jobs.job_id AND created_at >= ? AND state IN (${FINISHED_STATES_SQL})
      ) AS stats
      FROM jobs WHERE job_id IS NOT NULL`),
    // The dashboard's sparklines: each job's newest finished runs, walking the job ids
    // as jobStats does, then a LIMIT-ed range of the runs_finished partial index per
    // job: O(jobs · (log runs + limit)), milliseconds at a million runs (a window
    // function over all runs would read every one of them).
    recentOutcomes: db.prepare<[number], { job_id: string; points: string }>(`
      ${EACH_JOB_ID}
      SELECT job_id, (
        SELECT json_group_array(json_array(id, state, duration_ms, finished_at)) FROM (
          SELECT id, state, duration_ms, finished_at FROM runs INDEXED BY runs_finished
          WHERE runs.job_id = jobs.job_id AND state IN (${FINISHED_STATES_SQL}) ORDER BY id DESC LIMIT ?
        )
      ) AS points
      FROM jobs WHERE job_id IS NOT NULL`),
    // A retry chain's attempts come after its root and belong to the same job, so this
    // reads a range of runs_by_job (bounded by the job's retained runs), not the table.
    runChain: db.prepare<{ job_id: string; root: number }, RunRow>(
      'SELECT * FROM runs WHERE job_id = @job_id AND id >= @root AND (root_run_id = @root OR id = @root) ORDER BY id',
    ),
    runExists: db.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck(),
    logState: db.prepare<[number], { log_count: number; log_truncated: number }>(
      'SELECT log_count, log_truncated FROM runs WHERE id = ?',
    ),
    setLogState: db.prepare<[number, number, number]>('UPDATE runs SET log_count = ?, log_truncated = ? WHERE id = ?'),
    // Positional parameters: binding from an object looks up every name, per line (appendLogs is the hot path).
    insertLog: db.prepare<[number, number, number, string, string, string]>(
      'INSERT INTO run_logs (run_id, seq, ts, stream, level, message) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // Many rows per statement: one statement step per LOG_ROWS_PER_INSERT lines instead of one per line.
    insertLogMany: db.prepare<(number | string)[]>(
      `INSERT INTO run_logs (run_id, seq, ts, stream, level, message) VALUES ${Array(LOG_ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    ),
    getLogs: db.prepare<{ run_id: number; after: number; levels: string; q: string | null; limit: number }, LogLine>(`
      SELECT * FROM run_logs
      WHERE run_id = @run_id AND seq > @after
        AND level IN (SELECT value FROM json_each(@levels))
        AND (@q IS NULL OR message LIKE @q ESCAPE '\\')
      ORDER BY seq LIMIT @limit`),
    upsertArtifact: db.prepare<ArtifactRecord>(`
      INSERT INTO artifacts (run_id, name, size, sha256, path, media_type, created_at)
      VALUES (@run_id, @name, @size, @sha256, @path, @media_type, @created_at)
      ON CONFLICT (run_id, name) DO UPDATE SET
        size = excluded.size, sha256 = excluded.sha256, path = excluded.path,
        media_type = excluded.media_type, created_at = excluded.created_at`),
    listArtifacts: db.prepare<[number], ArtifactRecord>('SELECT * FROM artifacts WHERE run_id = ? ORDER BY name'),
    getArtifact: db.prepare<[number, string], ArtifactRecord>('SELECT * FROM artifacts WHERE run_id = ? AND name = ?'),
    getJobState: db.prepare<[string], JobStateDbRow>('SELECT * FROM job_state WHERE job_id = ?'),
    allJobStates: db.prepare<[], JobStateDbRow>('SELECT * FROM job_state ORDER BY job_id'),
    upsertJobState: db.prepare<JobStateDbRow>(`
      INSERT INTO job_state (job_id, enabled_override, schedule_override, last_fire_at, next_fire_at, last_slot_at, first_seen_at, updated_at)
      VALUES (@job_id, @enabled_override, @schedule_override, @last_fire_at, @next_fire_at, @last_slot_at, @first_seen_at, @updated_at)
      ON CONFLICT (job_id) DO UPDATE SET
        enabled_override = excluded.enabled_override, schedule_override = excluded.schedule_override,
        last_fire_at = excluded.last_fire_at, next_fire_at = excluded.next_fire_at,
        last_slot_at = excluded.last_slot_at, first_seen_at = excluded.first_seen_at, updated_at = excluded.updated_at`),
    insertAudit: db.prepare<Omit<AuditRow, 'id'>, AuditRow>(`
      INSERT INTO audit (ts, actor, action, job_id, run_id, details)
      VALUES (@ts, @actor, @action, @job_id, @run_id, @details) RETURNING *`),
    listAudit: db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?'),
    listJobAudit: db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE job_id = ? ORDER BY id DESC LIMIT ?'),
    allSettings: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings'),
    putSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    putMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    deleteMeta: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
    // Runs past retention, oldest first. Only terminal runs are candidates, the
    // count limit ranks a job's terminal runs newest first, and each job's newest
    // finished (non-skipped) run is always kept: health judges the job by it.
    retentionCandidates: db
      .prepare<{ cutoff: number | null; keep: number }, number>(`
        SELECT id FROM (
          SELECT id,
            coalesce(finished_at, created_at) AS ended_at,
            row_number() OVER (PARTITION BY job_id ORDER BY id DESC) AS newest_rank,
            max(CASE WHEN state IN (${FINISHED_STATES_SQL}) THEN id END) OVER (PARTITION BY job_id) AS newest_finished_id
          FROM runs WHERE state IN (${terminal})
        )
        WHERE id IS NOT newest_finished_id
          AND ((@cutoff IS NOT NULL AND ended_at < @cutoff) OR (@keep > 0 AND newest_rank > @keep))
        ORDER BY id`)
      .pluck(),
    artifactPathsOf: db
      .prepare<[string], string>('SELECT path FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, name')
      .pluck(),
    // run_logs and artifacts follow through ON DELETE CASCADE.
    deleteRuns: db.prepare<[string]>('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function openDatabase(options: StoreOptions): Database.Database {
  fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const db = new Database(
    options.path,
    options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding },
  );
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable in WAL mode except for the last transactions before a power loss.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------

export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;

  constructor(options: StoreOptions) {
    this.path = options.path;
    this.db = openDatabase(options);
    this.sql = prepareStatements(this.db);
  }

  isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (!this.db.open) return;
    // Keeps the planner's statistics current for the dashboard's queries (SQLite's advice for long-lived connections).
    this.db.pragma('optimize');
    this.db.close();
  }

  /** Runs `fn` in one transaction (a savepoint when nested); rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- runs ----------------------------------------------------------------

  /** Records a run. root_run_id defaults to the run's own id, created_at to now. */
  insertRun(run: NewRun): RunRecord {
    const write = runToWrite({
      job_id: run.job_id,
      trigger: run.trigger,
      requested_by: run.requested_by,
      params: run.params,
      state: run.state,
      attempt: run.attempt,
      max_attempts: run.max_attempts,
      root_run_id: run.root_run_id ?? null,
      parent_run_id: run.parent_run_id,
      priority: run.priority,
      reason: run.reason ?? null,
      created_at: run.created_at ?? Date.now(),
      due_at: run.due_at ?? null,
      started_at: run.started_at ?? null,
      finished_at: run.finished_at ?? null,
      duration_ms: null,
      progress: null,
      step: null,
      exit_code: null,
      signal: null,
      error: null,
      error_code: null,
      result: null,
      pid: null,
      log_count: 0,
      log_truncated: false,
    });
    return this.transaction(() => {
      const id = Number(this.sql.insertRun.run({ ...write, idempotency_key: run.idempotency_key ?? null }).lastInsertRowid);
      this.sql.setOwnRoot.run(id);
      return this.requireRun(id);
    });
  }

  /** Changes the given fields of a run (undefined values are ignored). */
  updateRun(id: number, patch: RunPatch): RunRecord {
    return this.transaction(() => {
      const current = this.requireRun(id);
      const merged = { ...current, ...definedOnly(patch), id, job_id: current.job_id };
      this.sql.updateRun.run({ ...runToWrite(merged), id });
      return this.requireRun(id);
    });
  }

  getRun(id: number): RunRecord | null {
    const row = this.sql.getRun.get(id);
    return row ? runFromRow(row) : null;
  }

  /** The newest run created with `key` at or after `sinceMs`, for the Local API's idempotent triggers. */
  findRunByIdempotencyKey(key: string, sinceMs: number): RunRecord | null {
    const row = this.sql.runByIdempotencyKey.get(key, sinceMs);
    return row ? runFromRow(row) : null;
  }

  /** Newest first, keyset-paged. `since` and `until` bound created_at, both inclusive. */
  listRuns(filter: RunFilter): RunPage {
    const limit = pageLimit(filter.limit, RUN_PAGE, 'run list');
    const params: RunListParams = {
      job_id: filter.job_id ?? null,
      state: filter.state ?? null,
      trigger: filter.trigger ?? null,
      since: filter.since ?? null,
      until: filter.until ?? null,
      q: containsPattern(filter.q),
      before: filter.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(filter.cursor),
      // One extra row tells whether another page exists.
      limit: limit + 1,
    };
    const rows = this.runListQuery(params).all(params);
    const page = rows.slice(0, limit).map(runFromRow);
    const last = page.at(-1);
    return { runs: page, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  /** Runs in any of `states`, oldest first (recovery at start, the wait queue). */
  runsInStates(states: readonly RunState[]): RunRecord[] {
    return this.sql.runsInStates.all(JSON.stringify(states)).map(runFromRow);
  }

  /** The newest run of each job that has any, keyed by job id. */
  latestRunPerJob(): Map<string, RunRecord> {
    return new Map(this.sql.latestRunPerJob.all().map((row) => [row.job_id, runFromRow(row)]));
  }

  /**
   * Outcomes per job of the runs created at or after `since` (see JobStats),
   * all jobs in one query; jobs without such runs are absent from the map.
   */
  jobStats(since: number): Map<string, JobStats> {
    const byJob = new Map<string, JobStats>();
    for (const row of this.sql.jobStats.all(since)) {
      const [runs, succeeded, failed, avg] = JSON.parse(row.stats) as [number, number, number, number | null];
      if (runs > 0) byJob.set(row.job_id, { runs, succeeded, failed, avg_duration_ms: avg === null ? null : Math.round(avg) });
    }
    return byJob;
  }

  /** Each job's newest `limit` runs with an outcome (terminal, not skipped), oldest first; jobs without any are absent. */
  recentOutcomes(limit: number): Map<string, RunOutcomePoint[]> {
    const byJob = new Map<string, RunOutcomePoint[]>();
    for (const row of this.sql.recentOutcomes.all(limit)) {
      const points = JSON.parse(row.points) as [number, RunState, number | null, number | null][];
      if (points.length === 0) continue;
      byJob.set(row.job_id, points.reverse().map(([id, state, duration_ms, finished_at]) => ({ id, state, duration_ms, finished_at })));
    }
    return byJob;
  }

  /** Every attempt of the retry chain rooted at `root` (a run id of `jobId`), oldest first. */
  runChain(jobId: string, root: number): RunRecord[] {
    return this.sql.runChain.all({ job_id: jobId, root }).map(runFromRow);
  }

  /** The newest run of the job that ended with an outcome (terminal, not skipped). */
  latestFinishedRun(jobId: string): RunRecord | null {
    const row = this.sql.latestFinishedRun.get(jobId);
    return row ? runFromRow(row) : null;
  }

  /** Ids of the job's queued and running runs, oldest first. */
  activeRunIds(jobId: string): number[] {
    return this.sql.activeRunIds.all(jobId);
  }

  // --- logs ----------------------------------------------------------------

  /**
   * Stores a batch of a run's log lines in one transaction and returns those
   * actually stored, with their seq. Invariants: seq is 1-based and gap-free;
   * log_count counts every line the run produced; at most `cap` lines are
   * stored, then the next line is replaced by one truncation marker (seq cap+1)
   * and later lines are only counted.
   */
  appendLogs(runId: number, lines: readonly LogLineInput[], cap: number): LogLine[] {
    if (!Number.isInteger(cap) || cap < 1) {
      throw new JobtrayError('invalid_input', `log cap for run ${runId} must be a positive integer, got ${JSON.stringify(cap)}`);
    }
    return this.transaction(() => {
      const state = this.sql.logState.get(runId);
      if (!state) throw new JobtrayError('not_found', `run ${runId} not found: cannot store its log lines`);
      let count = state.log_count;
      let truncated = state.log_truncated === 1;
      const stored: LogLine[] = [];
      for (const line of lines) {
        count += 1;
        if (truncated) continue;
        const overCap = count > cap;
        stored.push(
          overCap
            ? { run_id: runId, seq: count, ts: line.ts, stream: 'system', level: 'warn', message: truncationMarker(cap) }
            : { run_id: runId, seq: count, ts: line.ts, stream: line.stream, level: line.level, message: line.message },
        );
        truncated = overCap;
      }
      let i = 0;
      for (; i + LOG_ROWS_PER_INSERT <= stored.length; i += LOG_ROWS_PER_INSERT) {
        const params: (number | string)[] = [];
        for (let j = i; j < i + LOG_ROWS_PER_INSERT; j++) {
          const row = stored[j]!;
          params.push(row.run_id, row.seq, row.ts, row.stream, row.level, row.message);
        }
        this.sql.insertLogMany.run(...params);
      }
      for (; i < stored.length; i++) {
        const row = stored[i]!;
        this.sql.insertLog.run(row.run_id, row.seq, row.ts, row.stream, row.level, row.message);
      }
      this.sql.setLogState.run(count, truncated ? 1 : 0, runId);
      return stored;
    });
  }

  /** A page of a run's log lines in seq order; `level` keeps that level and above, `q` is a case-insensitive substring. */
  getLogs(runId: number, query: LogQuery): LogPage {
    if (this.sql.runExists.get(runId) === undefined) throw new JobtrayError('not_found', `run ${runId} not found: no log to read`);
    const limit = pageLimit(query.limit, LOG_PAGE, `log of run ${runId}`);
    const rows = this.sql.getLogs.all({
      run_id: runId,
      after: query.after ?? 0,
      levels: JSON.stringify(levelsFrom(query.level)),
      // LIKE folds ASCII case only; good enough for searching log text.
      q: containsPattern(query.q),
      limit: limit + 1,
    });
    const lines = rows.slice(0, limit);
    const last = lines.at(-1);
    return { lines, next_after: rows.length > limit && last ? last.seq : null };
  }

  // --- artifacts -----------------------------------------------------------

  /** Records an artifact, replacing one of the same name on the same run. */
  insertArtifact(artifact: ArtifactRecord): ArtifactRecord {
    const record: ArtifactRecord = {
      run_id: artifact.run_id,
      name: artifact.name,
      size: artifact.size,
      sha256: artifact.sha256,
      path: artifact.path,
      media_type: artifact.media_type,
      created_at: artifact.created_at,
    };
    return this.transaction(() => {
      if (this.sql.runExists.get(record.run_id) === undefined) {
        throw new JobtrayError('not_found', `run ${record.run_id} not found: cannot attach artifact "${record.name}"`);
      }
      this.sql.upsertArtifact.run(record);
      return record;
    });
  }

  listArtifacts(runId: number): ArtifactRecord[] {
    return this.sql.listArtifacts.all(runId);
  }

  getArtifact(runId: number, name: string): ArtifactRecord | null {
    return this.sql.getArtifact.get(runId, name) ?? null;
  }

  // --- job state -----------------------------------------------------------

  getJobState(jobId: string): JobStateRow | null {
    const row = this.sql.getJobState.get(jobId);
    return row ? jobStateFromRow(row) : null;
  }

  /** Creates or changes a job's state; first_seen_at defaults to now on creation, updated_at to now. */
  upsertJobState(jobId: string, patch: Partial<Omit<JobStateRow, 'job_id'>>): JobStateRow {
    return this.transaction(() => {
      const now = Date.now();
      const current: JobStateRow = this.getJobState(jobId) ?? {
        job_id: jobId,
        enabled_override: null,
        schedule_override: null,
        last_fire_at: null,
        next_fire_at: null,
        last_slot_at: null,
        first_seen_at: now,
        updated_at: now,
      };
      const next: JobStateRow = { ...current, updated_at: now, ...definedOnly(patch), job_id: jobId };
      this.sql.upsertJobState.run(jobStateToRow(next));
      return next;
    });
  }

  allJobStates(): JobStateRow[] {
    return this.sql.allJobStates.all().map(jobStateFromRow);
  }

  // --- audit ---------------------------------------------------------------

  audit(entry: NewAuditEntry): AuditEntry {
    const row = this.sql.insertAudit.get({
      ts: entry.ts ?? Date.now(),
      actor: entry.actor,
      action: entry.action,
      job_id: entry.job_id ?? null,
      run_id: entry.run_id ?? null,
      details: toJson(entry.details),
    });
    if (!row) throw new JobtrayError('internal', `audit entry "${entry.action}" was not stored in ${this.path}`);
    return auditFromRow(row);
  }

  /** Newest first; all jobs unless `job_id` is given. */
  listAudit(opts: { job_id?: string; limit?: number }): AuditEntry[] {
    const limit = pageLimit(opts.limit, AUDIT_PAGE, 'audit list');
    const rows = opts.job_id === undefined ? this.sql.listAudit.all(limit) : this.sql.listJobAudit.all(opts.job_id, limit);
    return rows.map(auditFromRow);
  }

  // --- settings and meta ---------------------------------------------------

  /** DEFAULT_SETTINGS overlaid with the stored values (stored values that no longer validate are ignored). */
  getSettings(): Settings {
    const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const { key, value } of this.sql.allSettings.all()) {
      if (!isSettingKey(key)) continue;
      const parsed = SETTING_SCHEMAS[key].safeParse(JSON.parse(value));
      if (parsed.success) settings[key] = parsed.data;
    }
    return settings as unknown as Settings;
  }

  /** Validates the whole patch first (unknown key or wrong type → invalid_input), then stores it. */
  updateSettings(patch: Partial<Settings>): Settings {
    const valid = definedOnly(validateSettingsPatch(patch));
    return this.transaction(() => {
      for (const [key, value] of Object.entries(valid)) this.sql.putSetting.run(key, JSON.stringify(value));
      return this.getSettings();
    });
  }

  getMeta(key: string): string | null {
    return this.sql.getMeta.get(key) ?? null;
  }

  /** Stores a meta value; null removes the key. */
  setMeta(key: string, value: string | null): void {
    if (value === null) this.sql.deleteMeta.run(key);
    else this.sql.putMeta.run(key, value);
  }

  // --- retention -----------------------------------------------------------

  /**
   * Deletes terminal runs past the age or per-job count limit, `batch` runs per
   * transaction so no single write holds the database long. Queued, running and
   * retry_scheduled runs and each job's newest finished run are never deleted.
   */
  applyRetention(opts: RetentionOptions): RetentionResult {
    const maxAgeDays = nonNegativeInteger(opts.max_age_days, 'retention max_age_days');
    const keep = nonNegativeInteger(opts.max_runs_per_job, 'retention max_runs_per_job');
    const batch = opts.batch ?? 1000;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new JobtrayError('invalid_input', `retention batch must be a positive integer, got ${JSON.stringify(batch)}`);
    }
    const cutoff = maxAgeDays > 0 ? opts.now - maxAgeDays * DAY_MS : null;
    if (cutoff === null && keep === 0) return { deleted_runs: 0, artifact_paths: [] };

    const ids = this.sql.retentionCandidates.all({ cutoff, keep });
    const artifactPaths: string[] = [];
    for (let start = 0; start < ids.length; start += batch) {
      const chunk = JSON.stringify(ids.slice(start, start + batch));
      this.transaction(() => {
        artifactPaths.push(...this.sql.artifactPathsOf.all(chunk));
        this.sql.deleteRuns.run(chunk);
      });
    }
    return { deleted_runs: ids.length, artifact_paths: artifactPaths };
  }

  // --- internals -----------------------------------------------------------

  private requireRun(id: number): RunRecord {
    const run = this.getRun(id);
    if (!run) throw new JobtrayError('not_found', `run ${id} not found in ${this.path}`);
    return run;
  }

  /** The variant whose index narrows the rows most; see prepareRunListQueries. */
  private runListQuery(params: RunListParams) {
    const queries = this.sql.listRuns;
    if (params.job_id !== null) return queries.byJob;
    if (params.state !== null) return queries.byState;
    if (params.trigger !== null) return queries.byTrigger;
    if (params.since !== null || params.until !== null) return queries.byCreated;
    return queries.all;
  }
}

/** Opens (creating and migrating as needed) the store at `options.path`. */
export function openStore(options: StoreOptions): Store {
  return new Store(options);
}
