import type { AuditEntry, JobStats, ParamValues, RunRecord, Schedule } from '../../../contract/model.js';
import type { NewRun } from './inputs.js';

/**
 * Rows as SQLite stores them (JSON as text, booleans as 0/1) and their mapping
 * to and from the contract's records. Column names match the records' field
 * names, so most fields map 1:1.
 */

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

/** Columns of `runs` that mirror RunRecord, in one place for INSERT and UPDATE. */
export const RUN_COLUMNS = [
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

export type RunColumn = (typeof RUN_COLUMNS)[number];
// Fails to compile when RunRecord gains a field that RUN_COLUMNS does not list.
const _everyFieldHasAColumn: [Exclude<keyof RunRecord, RunColumn | 'id'>] extends [never] ? true : never = true;

/** A `runs` row as SQLite stores it: JSON as text, booleans as 0/1. */
export type RunRow = Omit<RunRecord, 'params' | 'result' | 'log_truncated' | 'root_run_id'> & {
  params: string;
  result: string | null;
  log_truncated: number;
  root_run_id: number | null;
  idempotency_key: string | null;
};

export type RunWrite = Omit<RunRow, 'id' | 'idempotency_key'>;

export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export function runFromRow(row: RunRow): RunRecord {
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

export function runToWrite(run: Omit<RunRecord, 'id' | 'root_run_id'> & { root_run_id: number | null }): RunWrite {
  const write = {} as Record<RunColumn, unknown>;
  for (const column of RUN_COLUMNS) write[column] = run[column] ?? null;
  return {
    ...(write as RunWrite),
    params: JSON.stringify(run.params),
    result: toJson(run.result),
    log_truncated: run.log_truncated ? 1 : 0,
  };
}

/** The row of a new run: what the caller gives, everything else empty (see Store.insertRun). */
export function newRunToWrite(run: NewRun): RunWrite {
  return runToWrite({
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
}

export interface JobStateDbRow {
  job_id: string;
  enabled_override: number | null;
  schedule_override: string | null;
  last_fire_at: number | null;
  next_fire_at: number | null;
  last_slot_at: number | null;
  first_seen_at: number;
  updated_at: number;
}

export function jobStateFromRow(row: JobStateDbRow): JobStateRow {
  return {
    ...row,
    enabled_override: row.enabled_override === null ? null : row.enabled_override === 1,
    schedule_override: fromJson(row.schedule_override) as Schedule | null,
  };
}

export function jobStateToRow(state: JobStateRow): JobStateDbRow {
  return {
    ...state,
    enabled_override: state.enabled_override === null ? null : state.enabled_override ? 1 : 0,
    schedule_override: toJson(state.schedule_override),
  };
}

/** An audit entry as stored: `details` is JSON text. */
export type AuditRow = Omit<AuditEntry, 'details'> & { details: string | null };

export function auditFromRow(row: AuditRow): AuditEntry {
  return { ...row, details: fromJson(row.details) };
}

/** The 24 h stats the stats statements return as JSON `[runs, succeeded, failed, avg]`, or null for none. */
export function jobStatsFrom(json: string): JobStats | null {
  const [runs, succeeded, failed, avg] = JSON.parse(json) as [number, number, number, number | null];
  return runs > 0 ? { runs, succeeded, failed, avg_duration_ms: avg === null ? null : Math.round(avg) } : null;
}
