import { describe, expect, it } from 'vitest';
import { JOB_HEALTH, type HealthSnapshot, type JobHealth } from '../../contract/model.js';
import {
  FAILING_LINES,
  RUN_NOW_GROUP_ABOVE,
  TOOLTIP_MAX,
  trayJob,
  trayKey,
  trayMenuTemplate,
  trayTooltip,
  type TrayJob,
  type TrayMenuItem,
} from '../../main/desktop/tray-menu.js';
import { jobDefinition } from '../helpers/fixtures.js';

function health(jobs: Record<string, JobHealth>, extra: Partial<HealthSnapshot> = {}): HealthSnapshot {
  const counts = Object.fromEntries(JOB_HEALTH.map((state) => [state, 0])) as Record<JobHealth, number>;
  for (const state of Object.values(jobs)) counts[state] += 1;
  const worst = Object.values(jobs).reduce<JobHealth>(
    (w, s) => (JOB_HEALTH.indexOf(s) > JOB_HEALTH.indexOf(w) ? s : w),
    'ok',
  );
  return { overall: worst, jobs, counts, paused: false, config_error_count: 0, storage: null, ...extra };
}

function job(id: string, over: Partial<TrayJob> = {}): TrayJob {
  return { id, name: id, tags: [], runnable: true, hasParams: false, health: 'ok', lastRunId: null, ...over };
}

const labels = (items: readonly TrayMenuItem[]) =>
  items.map((item) => (item.type === 'separator' ? '---' : item.label));
const find = (items: readonly TrayMenuItem[], label: string) =>
  items.find((item) => item.type !== 'separator' && item.label === label);
const runNow = (items: readonly TrayMenuItem[]) => {
  const item = find(items, 'Run now');
  if (item?.type !== 'submenu') throw new Error('no Run now submenu');
  return item.submenu;
};

describe('trayMenuTemplate', () => {
  it('all ok: summary, Run now, Pause all, dashboard, start at login, logs, quit — every action in the menu', () => {
    const jobs = [job('backup'), job('sync')];
    const items = trayMenuTemplate({ health: health({ backup: 'ok', sync: 'ok' }), jobs, startAtLogin: true });
    expect(labels(items)).toEqual([
      'Jobtray: All good (2 ok)',
      '---',
      'Run now',
      'Pause all',
      '---',
      'Open dashboard',
      'Start at login',
      'Open logs folder',
      '---',
      'Quit Jobtray',
    ]);
    expect(items[0]).toMatchObject({ type: 'normal', enabled: false, action: null });
    expect(find(items, 'Start at login')).toEqual({
      type: 'checkbox',
      label: 'Start at login',
      checked: true,
      action: { kind: 'toggle-start-at-login' },
    });
    expect(runNow(items)).toEqual([
      { type: 'normal', label: 'backup', enabled: true, action: { kind: 'run-now', jobId: 'backup' } },
      { type: 'normal', label: 'sync', enabled: true, action: { kind: 'run-now', jobId: 'sync' } },
    ]);
    expect(find(items, 'Quit Jobtray')).toMatchObject({ action: { kind: 'quit' } });
    expect(find(items, 'Open logs folder')).toMatchObject({ action: { kind: 'open-logs' } });
  });

  it('failing jobs get a line each that opens their last run (or the job), at most FAILING_LINES', () => {
    const failing = Array.from({ length: FAILING_LINES + 2 }, (_, i) =>
      job(`f${i}`, { health: 'failing', lastRunId: i === 0 ? null : 100 + i }),
    );
    const items = trayMenuTemplate({
      health: health(Object.fromEntries(failing.map((j) => [j.id, j.health]))),
      jobs: failing,
      startAtLogin: false,
    });
    expect(items[0]).toMatchObject({ label: `Jobtray: Failing (${FAILING_LINES + 2} failing)` });
    expect(items[1]).toEqual({
      type: 'normal',
      label: '✕ f0 is failing',
      enabled: true,
      action: { kind: 'open-job', jobId: 'f0' },
    });
    expect(items[2]).toEqual({
      type: 'normal',
      label: '✕ f1 is failing',
      enabled: true,
      action: { kind: 'open-run', runId: 101 },
    });
    expect(items[FAILING_LINES + 1]).toEqual({
      type: 'normal',
      label: '… and 2 more failing',
      enabled: true,
      action: { kind: 'open-dashboard' },
    });
    expect(items[FAILING_LINES + 2]).toEqual({ type: 'separator' });
  });

  it('a storage problem: the summary and tooltip say so, and a line of its own opens the dashboard', () => {
    const storage = {
      code: 'SQLITE_FULL',
      path: '/data/jobtray.db',
      free_bytes: 0,
      since: 1,
      message: 'disk full',
      dropped_log_lines: 3,
      held_fires: 2,
    };
    const items = trayMenuTemplate({ health: health({ a: 'ok' }, { storage }), jobs: [job('a')], startAtLogin: false });
    expect(trayTooltip(health({ a: 'ok' }, { storage }))).toContain('storage problem (SQLITE_FULL)');
    const line = find(items, 'Storage problem: SQLITE_FULL writing /data/jobtray.db; new runs are held');
    expect(line).toMatchObject({ enabled: true, action: { kind: 'open-dashboard' } });
    expect(labels(items)[1]).toBe('Storage problem: SQLITE_FULL writing /data/jobtray.db; new runs are held');
    expect(
      labels(trayMenuTemplate({ health: health({ a: 'ok' }), jobs: [job('a')], startAtLogin: false })).join('\n'),
    ).not.toContain('Storage problem');
  });

  it('paused: Resume all instead of Pause all; the summary says paused', () => {
    const items = trayMenuTemplate({
      health: health({ a: 'ok' }, { paused: true }),
      jobs: [job('a')],
      startAtLogin: false,
    });
    expect(items[0]).toMatchObject({ label: 'Jobtray: Paused (1 ok)' });
    expect(find(items, 'Resume all')).toMatchObject({ action: { kind: 'resume-all' } });
    expect(find(items, 'Pause all')).toBeUndefined();
  });

  it('a job with params opens its form in the window; disabled or invalid jobs are not offered; none left says so', () => {
    const jobs = [job('export', { hasParams: true }), job('off', { runnable: false, health: 'disabled' })];
    expect(
      runNow(trayMenuTemplate({ health: health({ export: 'ok', off: 'disabled' }), jobs, startAtLogin: false })),
    ).toEqual([
      { type: 'normal', label: 'export…', enabled: true, action: { kind: 'open-run-form', jobId: 'export' } },
    ]);
    expect(
      runNow(trayMenuTemplate({ health: health({ off: 'disabled' }), jobs: [jobs[1]!], startAtLogin: false })),
    ).toEqual([{ type: 'normal', label: 'No job can run', enabled: false, action: null }]);
  });

  it('50 jobs: Run now is grouped by tag (a job under each of its tags), Untagged last, names sorted', () => {
    const jobs = Array.from({ length: 50 }, (_, i) =>
      job(`job-${String(i).padStart(2, '0')}`, {
        tags: i % 5 === 0 ? [] : i % 2 === 0 ? ['sync'] : ['export', 'daily'],
      }),
    );
    const groups = runNow(trayMenuTemplate({ health: health({}), jobs, startAtLogin: false }));
    expect(jobs.length).toBeGreaterThan(RUN_NOW_GROUP_ABOVE);
    expect(labels(groups)).toEqual(['daily', 'export', 'sync', 'Untagged']);
    const sizes = groups.map((group) => (group.type === 'submenu' ? group.submenu.length : -1));
    expect(sizes).toEqual([20, 20, 20, 10]);
    const sync = groups[2]!;
    expect(sync.type === 'submenu' && sync.submenu[0]).toEqual({
      type: 'normal',
      label: 'job-02',
      enabled: true,
      action: { kind: 'run-now', jobId: 'job-02' },
    });
  });

  it('escapes & in job names (Electron reads it as a mnemonic marker)', () => {
    const items = trayMenuTemplate({
      health: health({ a: 'ok' }),
      jobs: [job('a', { name: 'Orders & stock' })],
      startAtLogin: false,
    });
    expect(runNow(items)[0]).toMatchObject({ label: 'Orders && stock' });
  });

  it('trayJob reads a JobView: params, tags, runnable, last run', () => {
    const def = jobDefinition({
      id: 'x',
      name: 'X job',
      tags: ['t'],
      params: { days: { type: 'integer', required: false } },
    });
    const view = { id: 'x', definition: def, enabled: true, health: 'failing', last_run: { id: 9 } } as Parameters<
      typeof trayJob
    >[0];
    expect(trayJob(view)).toEqual({
      id: 'x',
      name: 'X job',
      tags: ['t'],
      runnable: true,
      hasParams: true,
      health: 'failing',
      lastRunId: 9,
    });
    expect(trayJob({ ...view, definition: null, enabled: false })).toMatchObject({
      name: 'x',
      runnable: false,
      hasParams: false,
    });
  });
});

describe('trayTooltip and trayKey', () => {
  it('states the health word and the counts, worst first, with config errors, within 127 characters', () => {
    expect(trayTooltip(health({ a: 'failing', b: 'running', c: 'ok', d: 'ok' }))).toBe(
      'Jobtray: Failing (1 failing, 1 running, 2 ok)',
    );
    expect(trayTooltip(health({ a: 'overdue' }, { config_error_count: 2 }))).toBe(
      'Jobtray: Needs attention (1 overdue, 2 config errors)',
    );
    expect(trayTooltip(health({}))).toBe('Jobtray: All good (no jobs)');
    const all = health(
      Object.fromEntries(
        JOB_HEALTH.flatMap((state) => Array.from({ length: 1234 }, (_, i) => [`${state}-${i}`, state])),
      ),
      { config_error_count: 99_999 },
    );
    expect(trayTooltip(all).length).toBeLessThanOrEqual(TOOLTIP_MAX);
  });

  it('changes only when the menu, tooltip or icon would change', () => {
    const input = { health: health({ a: 'ok' }), jobs: [job('a')], startAtLogin: false };
    const key = trayKey(trayMenuTemplate(input), trayTooltip(input.health), 'ok');
    expect(trayKey(trayMenuTemplate({ ...input, jobs: [job('a')] }), trayTooltip(input.health), 'ok')).toBe(key);
    expect(trayKey(trayMenuTemplate({ ...input, startAtLogin: true }), trayTooltip(input.health), 'ok')).not.toBe(key);
    expect(
      trayKey(trayMenuTemplate({ ...input, jobs: [job('a', { health: 'running' })] }), trayTooltip(input.health), 'ok'),
    ).toBe(key);
    expect(trayKey(trayMenuTemplate(input), trayTooltip(input.health), 'running')).not.toBe(key);
  });
});
