import os from 'node:os';
import type { JobDefinition, RunRecord } from '../../contract/model.js';

/**
 * Records as the engine hands them out, with `overrides` applied. The defaults
 * are the jobs file's (a job that sets nothing but its id and command), so a
 * test states only what it is about.
 */

export function jobDefinition(overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    id: 'test-job',
    name: 'test-job',
    description: null,
    tags: [],
    enabled: true,
    kind: 'command',
    command: ['true'],
    script: null,
    cwd: os.tmpdir(),
    env: {},
    schedule: null,
    params: {},
    timeout_ms: null,
    retries: { max: 0, backoff: 'exponential', delay_ms: 30_000, max_delay_ms: 600_000, jitter: true },
    fatal_exit_codes: [],
    overlap: 'skip',
    catch_up: 'skip',
    on_success: [],
    on_failure: [],
    priority: 'normal',
    notify: { on_failure: true, on_recovery: true, on_timeout: true, webhook: null },
    ...overrides,
  };
}

/** Run 1 of `test-job`: a first manual attempt that succeeded in 2 s. */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  const created = Date.UTC(2026, 0, 15, 9, 0, 0);
  return {
    id: 1,
    job_id: 'test-job',
    trigger: 'manual',
    requested_by: 'cli',
    params: {},
    state: 'succeeded',
    attempt: 1,
    max_attempts: 1,
    root_run_id: 1,
    parent_run_id: null,
    priority: 'normal',
    reason: null,
    created_at: created,
    due_at: null,
    started_at: created,
    finished_at: created + 2_000,
    duration_ms: 2_000,
    progress: null,
    step: null,
    exit_code: 0,
    signal: null,
    error: null,
    error_code: null,
    result: null,
    pid: null,
    log_count: 0,
    log_truncated: false,
    ...overrides,
  };
}
