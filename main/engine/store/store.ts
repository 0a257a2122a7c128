import Database from 'better-sqlite3';
import { settingsFromStored, validateSettingsPatch } from '../../../contract/api.js';
import { JobtrayError } from '../../../contract/errors.js';
import type {
  ArtifactRecord,
  AuditEntry,
  JobStats,
  LogLine,
  LogLineInput,
  LogPage,
  LogQuery,
  RunFilter,
  RunPage,
  RunOutcomePoint,
  RunRecord,
  RunState,
  Settings,
} from '../../../contract/model.js';
import {
  type NewAuditEntry,
  type NewRun,
  type RetentionOptions,
  type RetentionResult,
  type RunPatch,
  AUDIT_PAGE,
  containsPattern,
  decodeCursor,
  definedOnly,
  encodeCursor,
  levelsFrom,
  LOG_PAGE,
  nonNegativeInteger,
  pageLimit,
  RUN_PAGE,
} from './inputs.js';
import { guardCorruption } from './damage.js';
import { backupDatabase, openDatabase, type StoreOptions } from './open.js';
import {
  auditFromRow,
  jobStateFromRow,
  jobStatsFrom,
  jobStateToRow,
  newRunToWrite,
  RUN_COLUMNS,
  runFromRow,
  runToWrite,
  toJson,
  type JobStateRow,
  type RunColumn,
} from './rows.js';
import { writeLogLines } from './log-lines.js';
import { prepareStatements, type RunListParams, type Statements } from './statements.js';
import { classifyStorageError, storageFullError } from '../storage-errors.js';
import type { StoreConnectionStart } from '../../../contract/worker-protocol.js';
import { WriteLock, type WriteLockOwner } from './write-lock.js';

export type { StoreOptions } from './open.js';

/**
 * The run store: the only writer of Jobtray's data (docs/ARCHITECTURE.md "Storage").
 * Every method is synchronous and returns contract records, never raw rows.
 * Every statement is prepared once, when the store opens (statements.ts).
 */

/** The probe write (probeWrite) needs this much new space: a few pages, as a log batch would. */
const PROBE_BYTES = 64 * 1024;

const DAY_MS = 86_400_000;

export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly onWriteFailure: StoreOptions['onWriteFailure'];
  private readonly writeLock: WriteLock | null;
  /** SQLite's max_page_count as opened (see setPageLimit). */
  private readonly defaultPageLimit: number;
  /** updateRun's statements by the columns they set. */
  private readonly runUpdates = new Map<string, Database.Statement>();

  constructor(options: StoreOptions) {
    this.path = options.path;
    this.db = openDatabase(options);
    this.sql = prepareStatements(this.db);
    this.onWriteFailure = options.onWriteFailure;
    this.writeLock = options.writeLock ?? null;
    this.defaultPageLimit = this.db.pragma('max_page_count', { simple: true }) as number;
  }

  isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Keeps the planner's statistics current for the dashboard's queries (SQLite's advice for long-lived connections).
      this.db.pragma('optimize');
    } catch {
      // It writes: on a full disk it fails, and closing must not.
    }
    this.db.close();
  }

  // --- runs ----------------------------------------------------------------

  /** Records a run. root_run_id defaults to the run's own id, created_at to now. */
  insertRun(run: NewRun): RunRecord {
    return this.insertRuns([run])[0]!;
  }

  /** Records several runs in one transaction (all or none), in order; see insertRun. */
  insertRuns(runs: readonly NewRun[]): RunRecord[] {
    return this.transaction(() => runs.map((run) => this.insertOne(run)));
  }

  /** Changes the given fields of a run (undefined values are ignored). */
  updateRun(id: number, patch: RunPatch): RunRecord {
    return this.transaction(() => {
      const current = this.requireRun(id);
      const defined = definedOnly(patch);
      const merged = { ...current, ...defined, id, job_id: current.job_id };
      // Only the patched columns are written: SQLite then updates only the indexes holding them.
      const columns = RUN_COLUMNS.filter((column) => column !== 'job_id' && column in defined);
      if (columns.length > 0) {
        const row = runToWrite(merged);
        const values: Record<string, unknown> = { id };
        for (const column of columns) values[column] = row[column];
        this.updateRunColumns(columns).run(values);
      }
      return this.requireRun(id);
    });
  }

  /** An UPDATE of exactly these run columns, prepared once per set of columns. */
  private updateRunColumns(columns: readonly RunColumn[]): Database.Statement {
    const key = columns.join(',');
    let statement = this.runUpdates.get(key);
    if (!statement) {
      statement = this.db.prepare(`UPDATE runs SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`);
      this.runUpdates.set(key, statement);
    }
    return statement;
  }

  getRun(id: number): RunRecord | null {
    const row = this.read(`run ${id} cannot be read`, () => this.sql.getRun.get(id));
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
    const rows = this.read('the run list cannot be read', () => this.runListQuery(params).all(params));
    const page = rows.slice(0, limit).map(runFromRow);
    const last = page.at(-1);
    return { runs: page, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
  }

  /** Runs in any of `states`, oldest first (recovery at start, the wait queue). */
  runsInStates(states: readonly RunState[]): RunRecord[] {
    return this.sql.runsInStates.all(JSON.stringify(states)).map(runFromRow);
  }

  /**
   * Outcomes per job of the runs created at or after `since` (see JobStats),
   * all jobs in one query; jobs without such runs are absent from the map.
   */
  jobStats(since: number): Map<string, JobStats> {
    const byJob = new Map<string, JobStats>();
    for (const row of this.sql.jobStats.all(since)) {
      const stats = jobStatsFrom(row.stats);
      if (stats) byJob.set(row.job_id, stats);
    }
    return byJob;
  }

  /** One job's outcomes as jobStats counts them, or null when it has no such run. */
  jobStatsOf(jobId: string, since: number): JobStats | null {
    return jobStatsFrom(this.sql.jobStatsOf.get(jobId, since) ?? '[0,0,0,null]');
  }

  /** Each job's newest `limit` runs with an outcome (terminal, not skipped), oldest first; jobs without any are absent. */
  recentOutcomes(limit: number): Map<string, RunOutcomePoint[]> {
    const byJob = new Map<string, RunOutcomePoint[]>();
    for (const row of this.sql.recentOutcomes.all(limit)) {
      const points = JSON.parse(row.points) as [number, RunState, number | null, number | null][];
      if (points.length === 0) continue;
      byJob.set(
        row.job_id,
        points.reverse().map(([id, state, duration_ms, finished_at]) => ({ id, state, duration_ms, finished_at })),
      );
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
      throw new JobtrayError(
        'invalid_input',
        `log cap for run ${runId} must be a positive integer, got ${JSON.stringify(cap)}`,
      );
    }
    return this.transaction(() => writeLogLines(this.sql, runId, lines, cap));
  }

  /** A page of a run's log lines in seq order; `level` keeps that level and above, `q` is a case-insensitive substring. */
  getLogs(runId: number, query: LogQuery): LogPage {
    if (this.sql.runExists.get(runId) === undefined)
      throw new JobtrayError('not_found', `run ${runId} not found: no log to read`);
    const limit = pageLimit(query.limit, LOG_PAGE, `log of run ${runId}`);
    const params = {
      run_id: runId,
      after: query.after ?? 0,
      levels: JSON.stringify(levelsFrom(query.level)),
      // LIKE folds ASCII case only; good enough for searching log text.
      q: containsPattern(query.q),
      limit: limit + 1,
    };
    // Damage is confined to the pages it hit: other runs' logs stay readable.
    const rows = this.read(`the log of run ${runId} cannot be read`, () => this.sql.getLogs.all(params));
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

  // --- audit ---------------------------------------------------------------

  audit(entry: NewAuditEntry): AuditEntry {
    const row = this.transaction(() =>
      this.sql.insertAudit.get({
        ts: entry.ts ?? Date.now(),
        actor: entry.actor,
        action: entry.action,
        job_id: entry.job_id ?? null,
        run_id: entry.run_id ?? null,
        details: toJson(entry.details),
      }),
    );
    if (!row) throw new JobtrayError('internal', `audit entry "${entry.action}" was not stored in ${this.path}`);
    return auditFromRow(row);
  }

  /** Newest first; all jobs unless `job_id` is given. */
  listAudit(opts: { job_id?: string; limit?: number }): AuditEntry[] {
    const limit = pageLimit(opts.limit, AUDIT_PAGE, 'audit list');
    const rows =
      opts.job_id === undefined ? this.sql.listAudit.all(limit) : this.sql.listJobAudit.all(opts.job_id, limit);
    return rows.map(auditFromRow);
  }

  // --- settings and meta ---------------------------------------------------

  /** DEFAULT_SETTINGS overlaid with the stored values (stored values that no longer validate are ignored). */
  getSettings(): Settings {
    return settingsFromStored(
      this.sql.allSettings.all().map(({ key, value }) => [key, JSON.parse(value) as unknown] as const),
    );
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
    this.transaction(() => (value === null ? this.sql.deleteMeta.run(key) : this.sql.putMeta.run(key, value)));
  }

  // --- storage problems ----------------------------------------------------

  /**
   * A write that needs new space, as a log batch does (a row of PROBE_BYTES,
   * added and removed in one committed transaction); throws the `storage_full`
   * error while writing fails. The engine retries it to learn when writing works again.
   */
  probeWrite(): void {
    this.transaction(() => {
      this.sql.putProbe.run(PROBE_BYTES);
      this.sql.deleteMeta.run('storage_probe');
    });
  }

  /**
   * Tests only: caps the database at `pages` pages (SQLite's max_page_count;
   * never below its current size), so a write that needs more fails with
   * SQLITE_FULL as on a full disk; null lifts the cap. Returns the cap now in force.
   */
  setPageLimit(pages: number | null): number {
    return this.db.pragma(`max_page_count = ${Math.trunc(pages ?? this.defaultPageLimit)}`, { simple: true }) as number;
  }

  /** The database's size in pages. */
  pageCount(): number {
    return this.db.pragma('page_count', { simple: true }) as number;
  }

  // --- backup --------------------------------------------------------------

  /** An online, consistent copy of the database at `destination` (open.ts, backupDatabase); never overwrites a file. */
  backup(destination: string): Promise<{ file: string; bytes: number }> {
    return backupDatabase(this.db, destination);
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
      throw new JobtrayError(
        'invalid_input',
        `retention batch must be a positive integer, got ${JSON.stringify(batch)}`,
      );
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

  private insertOne(run: NewRun): RunRecord {
    const write = newRunToWrite(run);
    const id = Number(
      this.sql.insertRun.run({ ...write, idempotency_key: run.idempotency_key ?? null }).lastInsertRowid,
    );
    this.sql.setOwnRoot.run(id);
    return this.requireRun(id);
  }

  /**
   * Runs `fn` in one transaction (a savepoint when nested); rolls back if it
   * throws. A failure for lack of space or I/O becomes the `storage_full`
   * error naming this file, and onWriteFailure hears of it once.
   *
   * IMMEDIATE: the write lock is taken at BEGIN, waiting (busy_timeout) while
   * another connection (the log writer's, the command supervisor's) holds it. A
   * deferred transaction that reads first could not wait when it upgrades to
   * a write: SQLite fails it at once with "database is locked".
   */
  private transaction<T>(fn: () => T): T {
    try {
      const write = () => this.db.transaction(fn).immediate();
      return this.read('a write to the database failed', () => (this.writeLock ? this.writeLock.hold(write) : write()));
    } catch (error) {
      const failure = classifyStorageError(error);
      // Already converted by a nested transaction (or a storage_corrupt error: not a space problem).
      if (!failure || error instanceof JobtrayError) throw error;
      const converted = storageFullError({ ...failure, path: failure.path ?? this.path }, error);
      this.onWriteFailure?.(converted);
      throw converted;
    }
  }

  /** Runs a read; damage it hits becomes a `storage_corrupt` error saying `what` could not be done and the ways on. */
  private read<T>(what: string, fn: () => T): T {
    return guardCorruption(this.path, what, fn);
  }

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

/** A thread's own connection to the run store, holding the shared write lock as `owner` (StoreConnectionStart). */
export function openStoreConnection(start: StoreConnectionStart, owner: WriteLockOwner): Store {
  const store = openStore({
    path: start.path,
    writeLock: new WriteLock(start.writeLock, owner),
    ...(start.nativeBinding ? { nativeBinding: start.nativeBinding } : {}),
  });
  if (start.pageLimit !== null) store.setPageLimit(start.pageLimit);
  return store;
}
