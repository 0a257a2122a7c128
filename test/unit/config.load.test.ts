import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../../contract/model.js';
import { ensureJobsFile, loadJobsFile, parseJobsText, parseSchedule } from '../../main/engine/jobs-file/index.js';

const resources = fileURLToPath(new URL('../../resources', import.meta.url));

/** The full example of the README's "The jobs file", with a cwd inside the temp dir. */
const DESIGN_EXAMPLE = `
jobs:
  - id: sync-orders                 # stable id: [a-z0-9-], unique
    name: Sync marketplace orders
    command: [python3, sync_orders.py, --days, "{{days_back}}"]   # argv, no shell
    cwd: ops/temu
    env: { LOG_LEVEL: INFO }
    schedule: { cron: "*/10 9-21 * * 1-5", timezone: Europe/Berlin }
    params:                          # form for manual runs; validated
      days_back: { type: integer, default: 7, min: 1, max: 90 }
    timeout: 3m
    retries: { max: 2, backoff: exponential, delay: 30s, max_delay: 10m, jitter: true }
    fatal_exit_codes: [2]            # never retried
    overlap: skip                    # skip | queue
    catch_up: once                   # after sleep or downtime: skip | once
    on_success: [cleanup-tmp]        # chains; on_failure works the same way
    priority: high                   # high | normal | low, when runs wait for a slot
    notify: { on_failure: true, on_recovery: true, webhook: "https://chat.example/hooks/ops" }
  - id: cleanup-tmp
    script: jobs/cleanup-tmp.mjs     # JS module run inside the worker thread
    schedule: { every: 1h }
`;

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-'));
  file = path.join(dir, 'jobs.yaml');
  fs.mkdirSync(path.join(dir, 'ops', 'temu'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'jobs'));
  fs.writeFileSync(path.join(dir, 'jobs', 'cleanup-tmp.mjs'), 'export default async () => 1;\n');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadJobsFile', () => {
  it('normalizes the README example: defaults filled, paths absolute, durations in ms', async () => {
    fs.writeFileSync(file, DESIGN_EXAMPLE);
    const result = await loadJobsFile(file);
    expect(result.errors).toEqual([]);
    expect(result.fatal).toBe(false);
    expect(result.invalid_ids).toEqual([]);
    const [sync, cleanup] = result.jobs;
    expect(sync).toEqual<JobDefinition>({
      id: 'sync-orders',
      name: 'Sync marketplace orders',
      description: null,
      tags: [],
      enabled: true,
      kind: 'command',
      command: ['python3', 'sync_orders.py', '--days', '{{days_back}}'],
      script: null,
      cwd: path.join(dir, 'ops', 'temu'),
      env: { LOG_LEVEL: 'INFO' },
      schedule: { kind: 'cron', cron: '*/10 9-21 * * 1-5', timezone: 'Europe/Berlin' },
      params: { days_back: { type: 'integer', default: 7, min: 1, max: 90, required: false } },
      timeout_ms: 180_000,
      retries: { max: 2, backoff: 'exponential', delay_ms: 30_000, max_delay_ms: 600_000, jitter: true },
      fatal_exit_codes: [2],
      overlap: 'skip',
      catch_up: 'once',
      on_success: ['cleanup-tmp'],
      on_failure: [],
      priority: 'high',
      notify: { on_failure: true, on_recovery: true, on_timeout: true, webhook: 'https://chat.example/hooks/ops' },
    });
    expect(cleanup).toEqual<JobDefinition>({
      id: 'cleanup-tmp',
      name: 'cleanup-tmp',
      description: null,
      tags: [],
      enabled: true,
      kind: 'script',
      command: null,
      script: path.join(dir, 'jobs', 'cleanup-tmp.mjs'),
      cwd: dir,
      env: {},
      schedule: { kind: 'every', every: '1h', every_ms: 3_600_000 },
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
    });
  });

  it('accepts a JSON file (JSON is YAML), including tab indentation', async () => {
    const jsonFile = path.join(dir, 'jobs.json');
    const jobs = {
      version: 1,
      jobs: [
        { id: 'a', command: ['node', '--version'], retries: 3, env: { N: 1, FLAG: true }, on_failure: 'b' },
        { id: 'b', script: 'jobs/cleanup-tmp.mjs', schedule: { at: '2026-12-01T09:00:00Z' }, enabled: false },
      ],
    };
    fs.writeFileSync(jsonFile, JSON.stringify(jobs, null, '\t'));
    const result = await loadJobsFile(jsonFile);
    expect(result.errors).toEqual([]);
    expect(result.jobs.map((j) => j.id)).toEqual(['a', 'b']);
    expect(result.jobs[0]).toMatchObject({
      retries: { max: 3, backoff: 'exponential' },
      env: { N: '1', FLAG: 'true' },
      on_failure: ['b'],
    });
    expect(result.jobs[1]).toMatchObject({
      enabled: false,
      schedule: { kind: 'at', at: '2026-12-01T09:00:00Z', at_ms: Date.UTC(2026, 11, 1, 9) },
    });
  });

  it('turns numbers in a command into strings and expands ~ in cwd', () => {
    const text = 'jobs:\n  - id: n\n    command: [sleep, 1.5, 10]\n    cwd: "~"\n';
    const result = parseJobsText(text, file);
    expect(result.errors).toEqual([]);
    expect(result.jobs[0]).toMatchObject({ command: ['sleep', '1.5', '10'], cwd: os.homedir() });
  });

  it('accepts an empty jobs list and YAML anchors with merge keys', () => {
    expect(parseJobsText('jobs: []\n', file)).toEqual({ file, jobs: [], errors: [], invalid_ids: [], fatal: false });
    const text = [
      'defaults: &defaults { retries: 2, priority: low }',
      'jobs:',
      '  - <<: *defaults',
      '    id: x',
      '    command: [node, --version]',
    ].join('\n');
    const result = parseJobsText(text, file);
    // `defaults` is not a known top-level field, but the job itself is valid.
    expect(result.errors.map((e) => e.field)).toEqual(['defaults']);
    expect(result.jobs[0]).toMatchObject({ id: 'x', priority: 'low', retries: { max: 2 } });
  });

  it('reports a missing file as fatal, naming its path', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const result = await loadJobsFile(missing);
    expect(result.fatal).toBe(true);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toContain(missing);
  });

  it('loads the demo resources/jobs.yaml with zero errors', async () => {
    const result = await loadJobsFile(path.join(resources, 'jobs.yaml'));
    expect(result.errors).toEqual([]);
    expect(result.jobs.map((j) => j.id)).toEqual([
      'demo-progress',
      'demo-flaky',
      'demo-command',
      'demo-failing',
      'demo-params',
      'demo-cleanup',
    ]);
    const byId = new Map(result.jobs.map((j) => [j.id, j]));
    expect(byId.get('demo-flaky')!.retries).toEqual({
      max: 2,
      backoff: 'fixed',
      delay_ms: 5_000,
      max_delay_ms: 600_000,
      jitter: false,
    });
    expect(byId.get('demo-cleanup')).toMatchObject({ catch_up: 'once', schedule: { kind: 'cron', cron: '0 3 * * *' } });
    expect(byId.get('demo-command')).toMatchObject({ kind: 'command', params: { rows: { type: 'integer' } } });
    for (const job of result.jobs) {
      if (job.script !== null) expect(fs.existsSync(job.script), job.script).toBe(true);
    }
  });
});

describe('ensureJobsFile', () => {
  it('copies the template on first start and never overwrites afterwards', async () => {
    const target = path.join(dir, 'data', 'jobs.yaml');
    expect(await ensureJobsFile(target, resources)).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe(fs.readFileSync(path.join(resources, 'jobs.yaml'), 'utf8'));
    expect(fs.existsSync(path.join(dir, 'data', 'jobs', 'demo-progress.mjs'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'data', 'jobs', 'lib', 'wait.mjs'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'data')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const copied = await loadJobsFile(target);
    expect(copied.errors).toEqual([]);
    expect(copied.jobs).toHaveLength(6);

    fs.writeFileSync(target, 'jobs: []\n');
    expect(await ensureJobsFile(target, resources)).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('jobs: []\n');
  });

  it('keeps a user script that already exists beside a missing jobs file', async () => {
    const mine = path.join(dir, 'jobs', 'demo-flaky.mjs');
    fs.writeFileSync(mine, '// mine\n');
    expect(await ensureJobsFile(file, resources)).toBe(true);
    expect(fs.readFileSync(mine, 'utf8')).toBe('// mine\n');
    expect(fs.existsSync(path.join(dir, 'jobs', 'demo-progress.mjs'))).toBe(true);
  });
});

describe('parseSchedule', () => {
  it('accepts each kind and null', () => {
    expect(parseSchedule({ cron: '0 3 * * *', timezone: 'UTC' }, 'override')).toEqual({
      schedule: { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' },
      errors: [],
    });
    expect(parseSchedule({ every: '1h30m' }, 'override').schedule).toEqual({
      kind: 'every',
      every: '1h30m',
      every_ms: 5_400_000,
    });
    expect(parseSchedule({ at: '2026-03-01 10:00:00Z' }, 'override').schedule).toEqual({
      kind: 'at',
      at: '2026-03-01 10:00:00Z',
      at_ms: Date.UTC(2026, 2, 1, 10),
    });
    expect(parseSchedule(null, 'override')).toEqual({ schedule: null, errors: [] });
  });

  it('reports every problem, prefixed with where', () => {
    const { schedule, errors } = parseSchedule(
      { cron: '61 * * * *', timezone: 'Nowhere/Land', extra: 1 },
      'schedule override for "x"',
    );
    expect(schedule).toBeNull();
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toMatch(/^schedule override for "x": field "/);
    expect(errors.join('\n')).toContain("unknown field 'extra'");
    expect(errors.join('\n')).toContain('"Nowhere/Land"');
    expect(errors.join('\n')).toContain('61 * * * *');
    expect(parseSchedule({ every: 5 }, 'o').errors).toEqual([
      'o: field "every": duration 5 has no unit (e.g. "30s", "5m", "2h" or "1h30m")',
    ]);
    expect(parseSchedule('daily', 'o').errors[0]).toMatch(/^o: expected an object with one of "cron", "every" or "at"/);
  });
});
