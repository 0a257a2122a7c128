import type Database from 'better-sqlite3';
import { JobtrayError } from '../../../contract/errors.js';

/**
 * Numbered schema migrations of the run store. Each one runs in its own
 * transaction together with the bump of `PRAGMA user_version`, so a crash
 * leaves the file at a known version. Invariants:
 * - versions start at 1 and increase by one, in array order;
 * - a released migration is never edited: change the schema with a new one.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/**
 * Predicate list of the `runs_active` partial index (states a run can still
 * leave). SQLite uses a partial index only when the query repeats its WHERE
 * term verbatim, so a query meant to use it must be built from this constant.
 * No current query does (the engine reads active runs once, at start, through
 * runsInStates); the index stays because released migrations are never edited.
 */
export const ACTIVE_STATES_SQL = `'queued', 'running', 'retry_scheduled'`;

/**
 * Predicate list of the `runs_finished` partial index: terminal states with an
 * outcome (all but `skipped`). Health reads each job's newest such run; without
 * this index a job skipped thousands of times in a row would be scanned run by run.
 */
export const FINISHED_STATES_SQL = `'succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted'`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up(db) {
      // Column names match contract/model.ts field names so rows map 1:1.
      // parent_run_id and root_run_id are history pointers, not foreign keys:
      // retention may delete the run they point to.
      // root_run_id is NULL only inside insertRun's transaction, which sets it to
      // the run's own id when no chain root is given.
      db.exec(`
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          job_id TEXT NOT NULL,
          trigger TEXT NOT NULL,
          requested_by TEXT NOT NULL,
          params TEXT NOT NULL,
          state TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          max_attempts INTEGER NOT NULL,
          root_run_id INTEGER,
          parent_run_id INTEGER,
          priority TEXT NOT NULL,
          reason TEXT,
          created_at INTEGER NOT NULL,
          due_at INTEGER,
          started_at INTEGER,
          finished_at INTEGER,
          duration_ms INTEGER,
          progress REAL,
          step TEXT,
          exit_code INTEGER,
          signal TEXT,
          error TEXT,
          error_code TEXT,
          result TEXT,
          pid INTEGER,
          log_count INTEGER NOT NULL DEFAULT 0,
          log_truncated INTEGER NOT NULL DEFAULT 0,
          idempotency_key TEXT
        );
        CREATE INDEX runs_by_job ON runs (job_id, id DESC);
        CREATE INDEX runs_by_state ON runs (state, id);
        CREATE INDEX runs_by_created ON runs (created_at);
        CREATE INDEX runs_by_trigger ON runs (trigger, id);
        CREATE INDEX runs_active ON runs (job_id, state) WHERE state IN (${ACTIVE_STATES_SQL});
        CREATE INDEX runs_finished ON runs (job_id, id DESC) WHERE state IN (${FINISHED_STATES_SQL});
        CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key, created_at)
          WHERE idempotency_key IS NOT NULL;

        CREATE TABLE run_logs (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          ts INTEGER NOT NULL,
          stream TEXT NOT NULL,
          level TEXT NOT NULL,
          message TEXT NOT NULL,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE artifacts (
          run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          size INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          path TEXT NOT NULL,
          media_type TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;

        CREATE TABLE job_state (
          job_id TEXT PRIMARY KEY,
          enabled_override INTEGER,
          schedule_override TEXT,
          last_fire_at INTEGER,
          next_fire_at INTEGER,
          last_slot_at INTEGER,
          first_seen_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );

        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ts INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          job_id TEXT,
          run_id INTEGER,
          details TEXT
        );
        CREATE INDEX audit_by_ts ON audit (ts);
        CREATE INDEX audit_by_job ON audit (job_id, id DESC);

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );

        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'covering index for the 24 h job stats',
    up(db) {
      // The job list's stats (Store.jobStats) read each job's runs in a time range:
      // one range scan per job, already grouped (no sort), and with every column it
      // reads in the index, never touching the table.
      db.exec('CREATE INDEX runs_job_stats ON runs (job_id, created_at, state, duration_ms)');
    },
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the database at `file` up to LATEST_VERSION. Refuses a file written by
 * a newer Jobtray: running old code against a newer schema could corrupt it.
 */
export function migrate(db: Database.Database, file: string): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > LATEST_VERSION) {
    throw new JobtrayError(
      'unavailable',
      `database ${file} has schema version ${from}, but this Jobtray knows versions up to ${LATEST_VERSION}: ` +
        'it was written by a newer Jobtray; update Jobtray or point it at another data directory',
      { file, version: from, supported: LATEST_VERSION },
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      // PRAGMA does not accept bound parameters; the version is a trusted integer.
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return { from, to: LATEST_VERSION };
}
