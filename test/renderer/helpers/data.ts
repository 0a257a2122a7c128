import type { HealthSnapshot, JobDefinition, JobView, ParamSpec, RunRecord } from '../../../contract/model.js';
import { EMPTY_JOB_STATS } from '../../../contract/model.js';
import { runRecord } from '../../helpers/fixtures.js';

/** Plain records for renderer tests. */
export function definition(id: string, params: Record<string, ParamSpec> = {}): JobDefinition {
  return {
    id,
    name: `Job ${id}`,
    description: null,
    tags: ['demo'],
    enabled: true,
    kind: 'command',
    command: ['true'],
    script: null,
    cwd: '/tmp',
    env: {},
    schedule: { kind: 'every', every: '10m', every_ms: 600_000 },
    params,
    timeout_ms: null,
    retries: { max: 0, backoff: 'fixed', delay_ms: 1_000, max_delay_ms: 1_000, jitter: false },
    fatal_exit_codes: [],
    overlap: 'skip',
    catch_up: 'skip',
    on_success: [],
    on_failure: [],
    priority: 'normal',
    notify: { on_failure: true, on_recovery: true, on_timeout: true, webhook: null },
  };
}

export function jobView(id: string, patch: Partial<JobView> = {}): JobView {
  const def = definition(id);
  return {
    id,
    definition: def,
    file_schedule: def.schedule,
    file_enabled: true,
    overrides: { enabled: null, schedule: null },
    enabled: true,
    health: 'ok',
    last_run: null,
    active_run_ids: [],
    next_fire_at: null,
    last_fire_at: null,
    config_errors: [],
    stats_24h: { ...EMPTY_JOB_STATS },
    ...patch,
  };
}

/** A queued run of `alpha` (the shared test factory with the renderer tests' defaults). */
export function run(id: number, patch: Partial<RunRecord> = {}): RunRecord {
  return runRecord({
    id,
    job_id: 'alpha',
    requested_by: 'ui',
    state: 'queued',
    root_run_id: id,
    created_at: 1_700_000_000_000,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    exit_code: null,
    ...patch,
  });
}

export function health(patch: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    overall: 'ok',
    jobs: {},
    counts: { disabled: 0, ok: 0, running: 0, retrying: 0, overdue: 0, invalid: 0, failing: 0 },
    paused: false,
    config_error_count: 0,
    storage: null,
    ...patch,
  };
}
