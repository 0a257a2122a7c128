import { JobtrayError } from '../../../contract/errors.js';
import { LOG_LEVELS, type Actor, type LogLevel, type RunRecord } from '../../../contract/model.js';

/**
 * What callers pass to the store: the records they create and the patches
 * they apply, and the checks and conversions of query inputs (page sizes,
 * cursors, search text, log levels). A bad value is an `invalid_input` error
 * naming it.
 */

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

export const RUN_PAGE = { default: 50, max: 500 };
export const LOG_PAGE = { default: 500, max: 5000 };
export const AUDIT_PAGE = { default: 100, max: 1000 };

/** Drops keys whose value is undefined, so `{ error: undefined }` leaves a field alone. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A page size: default when absent, capped at `max`; anything but a positive integer is refused. */
export function pageLimit(limit: number | undefined, page: { default: number; max: number }, what: string): number {
  if (limit === undefined) return page.default;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new JobtrayError('invalid_input', `${what}: limit must be a positive integer, got ${JSON.stringify(limit)}`);
  }
  return Math.min(limit, page.max);
}

export function nonNegativeInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new JobtrayError('invalid_input', `${what} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (used with ESCAPE '\'). */
export function containsPattern(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Cursors are opaque to callers: base64url of the last run id of the previous page. */
export function encodeCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const id = Number(text);
  // Re-encoding must give the same string, so garbage that happens to decode is refused too.
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(id) || encodeCursor(id) !== cursor) {
    throw new JobtrayError('invalid_input', `invalid cursor "${cursor}": pass the next_cursor of a previous page`);
  }
  return id;
}

/** Levels at or above `level` (debug < info < warn < error). */
export function levelsFrom(level: LogLevel | undefined): LogLevel[] {
  if (level === undefined) return [...LOG_LEVELS];
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) {
    throw new JobtrayError(
      'invalid_input',
      `log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`,
    );
  }
  return LOG_LEVELS.slice(index);
}
