import type Database from 'better-sqlite3';
import {
  FAILED_STATES,
  TERMINAL_STATES,
  type ArtifactRecord,
  type LogLine,
  type RunState,
  type RunTrigger,
} from '../../../contract/model.js';
import { FINISHED_STATES_SQL } from './migrations.js';
import { RUN_COLUMNS, type AuditRow, type JobStateDbRow, type RunRow, type RunWrite } from './rows.js';

/**
 * Every SQL statement of the store, prepared once when it opens (preparing is
 * the expensive part; a prepared statement runs many times).
 */

/** Log lines per multi-row INSERT (6 parameters each; SQLite allows 32,766 parameters per statement). */
export const LOG_ROWS_PER_INSERT = 64;

/** One job's stats_24h as a JSON array [runs, succeeded, failed, avg duration]; binds the `created_at` bound after `jobId`'s. */
const JOB_STATS_OF = (jobId: string) => `
  SELECT json_array(
    count(*),
    count(*) FILTER (WHERE state = 'succeeded'),
    count(*) FILTER (WHERE state IN (${sqlList(FAILED_STATES)})),
    avg(duration_ms))
  FROM runs INDEXED BY runs_job_stats
  WHERE runs.job_id = ${jobId} AND created_at >= ? AND state IN (${FINISHED_STATES_SQL})`;

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

/** Named parameters of the run list queries; every variant takes all of them. */
export interface RunListParams {
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
    db.prepare<RunListParams, RunRow>(
      `SELECT * FROM runs WHERE ${driver} AND ${residual} ORDER BY id DESC LIMIT @limit`,
    );
  return {
    byJob: variant('job_id = @job_id'),
    byState: variant('state = @state'),
    byTrigger: variant('trigger = @trigger'),
    byCreated: variant(
      `created_at BETWEEN coalesce(@since, ${Number.MIN_SAFE_INTEGER}) AND coalesce(@until, ${Number.MAX_SAFE_INTEGER})`,
    ),
    all: variant('1'),
  };
}

export function prepareStatements(db: Database.Database) {
  const terminal = sqlList(TERMINAL_STATES);
  return {
    insertRun: db.prepare<RunWrite & { idempotency_key: string | null }>(
      `INSERT INTO runs (${RUN_COLUMNS.join(', ')}, idempotency_key)
       VALUES (${RUN_COLUMNS.map((column) => `@${column}`).join(', ')}, @idempotency_key)`,
    ),
    setOwnRoot: db.prepare<[number]>('UPDATE runs SET root_run_id = id WHERE id = ? AND root_run_id IS NULL'),
    getRun: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
    runByIdempotencyKey: db.prepare<[string, number], RunRow>(
      `SELECT * FROM runs WHERE idempotency_key = ? AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT 1`,
    ),
    listRuns: prepareRunListQueries(db),
    runsInStates: db.prepare<[string], RunRow>(
      'SELECT * FROM runs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id',
    ),
    // Repeats runs_finished's predicate verbatim so SQLite uses that partial index.
    latestFinishedRun: db.prepare<[string], RunRow>(
      `SELECT * FROM runs INDEXED BY runs_finished
       WHERE job_id = ? AND state IN (${FINISHED_STATES_SQL}) ORDER BY id DESC LIMIT 1`,
    ),
    // Walks the distinct job ids through the (job_id, id DESC) index instead of grouping
    // every run, then aggregates each job's runs in the window with one range scan of the
    // covering runs_job_stats index: O(jobs · log runs + runs in the window), and no sort, which a GROUP BY over a
    // created_at range would need (twice as slow at a million runs). INDEXED BY keeps
    // the planner from scanning all of a job's runs through runs_by_job instead.
    jobStats: db.prepare<[number], { job_id: string; stats: string }>(`
      ${EACH_JOB_ID}
      SELECT job_id, (${JOB_STATS_OF('jobs.job_id')}) AS stats
      FROM jobs WHERE job_id IS NOT NULL`),
    // The same for one job (a run of it ended): one range scan of runs_job_stats.
    jobStatsOf: db.prepare<[string, number], string>(JOB_STATS_OF('?')).pluck(),
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
    listJobAudit: db.prepare<[string, number], AuditRow>(
      'SELECT * FROM audit WHERE job_id = ? ORDER BY id DESC LIMIT ?',
    ),
    allSettings: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings'),
    putSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    putMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    deleteMeta: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
    // Store.probeWrite: a blob of the given size (a TEXT column stores a blob as is).
    putProbe: db.prepare<[number]>(`INSERT OR REPLACE INTO meta (key, value) VALUES ('storage_probe', zeroblob(?))`),
    // Runs past retention, oldest first. Only terminal runs are candidates, the
    // count limit ranks a job's terminal runs newest first, and each job's newest
    // finished (non-skipped) run is always kept: health judges the job by it.
    retentionCandidates: db
      .prepare<{ cutoff: number | null; keep: number }, number>(
        `
        SELECT id FROM (
          SELECT id,
            coalesce(finished_at, created_at) AS ended_at,
            row_number() OVER (PARTITION BY job_id ORDER BY id DESC) AS newest_rank,
            max(CASE WHEN state IN (${FINISHED_STATES_SQL}) THEN id END) OVER (PARTITION BY job_id) AS newest_finished_id
          FROM runs WHERE state IN (${terminal})
        )
        WHERE id IS NOT newest_finished_id
          AND ((@cutoff IS NOT NULL AND ended_at < @cutoff) OR (@keep > 0 AND newest_rank > @keep))
        ORDER BY id`,
      )
      .pluck(),
    artifactPathsOf: db
      .prepare<[string], string>(
        'SELECT path FROM artifacts WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, name',
      )
      .pluck(),
    // run_logs and artifacts follow through ON DELETE CASCADE.
    deleteRuns: db.prepare<[string]>('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
