import { HEALTH_STATUS_LABELS, healthStatus } from '../../contract/health-status.js';
import type { HealthSnapshot, JobHealth, JobView, RunRecord } from '../../contract/model.js';

/**
 * The tray's context menu and tooltip as plain data. The menu holds every
 * action, since on Linux a tray `click` may never fire and there is no
 * right-click; main/electron/tray.ts only turns it into an Electron Menu and
 * each item's `action` into a call. Pure: tested with plain data.
 */

/** What an item does when chosen. */
export type TrayAction =
  | { kind: 'open-dashboard' }
  | { kind: 'open-run'; runId: number }
  | { kind: 'open-job'; jobId: string }
  /** A job without params: start a run at once. */
  | { kind: 'run-now'; jobId: string }
  /** A job with params: its run form, in the window. */
  | { kind: 'open-run-form'; jobId: string }
  | { kind: 'pause-all' }
  | { kind: 'resume-all' }
  | { kind: 'toggle-start-at-login' }
  | { kind: 'open-logs' }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'normal'; label: string; enabled: boolean; action: TrayAction | null }
  | { type: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  | { type: 'submenu'; label: string; submenu: TrayMenuItem[] };

/** What the menu shows of a job. */
export interface TrayJob {
  id: string;
  name: string;
  tags: string[];
  /** Enabled with a valid definition: it can be run from the menu. */
  runnable: boolean;
  hasParams: boolean;
  health: JobHealth;
  /** Its newest finished run (what a failing line opens). */
  lastRunId: number | null;
}

export interface TrayMenuInput {
  health: HealthSnapshot;
  jobs: readonly TrayJob[];
  startAtLogin: boolean;
}

/** Above this many runnable jobs, Run now is grouped by tag. */
export const RUN_NOW_GROUP_ABOVE = 12;
/** Failing jobs listed one per line; more are summed up in one line. */
export const FAILING_LINES = 5;
/** Windows cuts a tray tooltip at 127 characters. */
export const TOOLTIP_MAX = 127;

export function trayJob(view: JobView): TrayJob {
  const def = view.definition;
  const last: RunRecord | null = view.last_run;
  return {
    id: view.id,
    name: def?.name ?? view.id,
    tags: def?.tags ?? [],
    runnable: def !== null && view.enabled,
    hasParams: def !== null && Object.keys(def.params).length > 0,
    health: view.health,
    lastRunId: last?.id ?? null,
  };
}

/** Labels are shown as given: Electron reads `&` as a mnemonic marker on Windows and Linux unless doubled. */
function text(label: string): string {
  return label.replace(/&/g, '&&');
}

const ORDER: readonly JobHealth[] = ['failing', 'invalid', 'overdue', 'retrying', 'running', 'ok', 'disabled'];

/** `2 failing, 1 running, 10 ok`: the non-zero counts, worst first. */
export function healthCounts(health: HealthSnapshot): string {
  const parts = ORDER.filter((state) => health.counts[state] > 0).map((state) => `${health.counts[state]} ${state}`);
  return parts.length > 0 ? parts.join(', ') : 'no jobs';
}

/** The tooltip: the health word and the counts, within Windows' limit. */
export function trayTooltip(health: HealthSnapshot): string {
  const configErrors =
    health.config_error_count > 0
      ? `, ${health.config_error_count} config error${health.config_error_count === 1 ? '' : 's'}`
      : '';
  const storage = health.storage ? `, storage problem (${health.storage.code})` : '';
  const tip = `Jobtray: ${HEALTH_STATUS_LABELS[healthStatus(health)]} (${healthCounts(health)}${configErrors}${storage})`;
  return tip.length <= TOOLTIP_MAX ? tip : `${tip.slice(0, TOOLTIP_MAX - 1)}…`;
}

function runItem(job: TrayJob, label: string = job.name): TrayMenuItem {
  return job.hasParams
    ? { type: 'normal', label: text(`${label}…`), enabled: true, action: { kind: 'open-run-form', jobId: job.id } }
    : { type: 'normal', label: text(label), enabled: true, action: { kind: 'run-now', jobId: job.id } };
}

const byName = (a: TrayJob, b: TrayJob) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * Run now: one item per runnable job; past RUN_NOW_GROUP_ABOVE, one submenu
 * per tag (a job with several tags is under each) and `Untagged` last.
 */
function runNowItems(jobs: readonly TrayJob[]): TrayMenuItem[] {
  const runnable = jobs.filter((job) => job.runnable).sort(byName);
  if (runnable.length === 0) return [{ type: 'normal', label: 'No job can run', enabled: false, action: null }];
  if (runnable.length <= RUN_NOW_GROUP_ABOVE) return runnable.map((job) => runItem(job));
  const groups = new Map<string, TrayJob[]>();
  for (const job of runnable) {
    for (const tag of job.tags.length > 0 ? job.tags : ['']) groups.set(tag, [...(groups.get(tag) ?? []), job]);
  }
  const tags = [...groups.keys()].filter((tag) => tag !== '').sort((a, b) => a.localeCompare(b));
  if (groups.has('')) tags.push('');
  return tags.map((tag) => ({
    type: 'submenu',
    label: text(tag === '' ? 'Untagged' : tag),
    submenu: groups.get(tag)!.map((job) => runItem(job)),
  }));
}

function failingItems(jobs: readonly TrayJob[]): TrayMenuItem[] {
  const failing = jobs.filter((job) => job.health === 'failing').sort(byName);
  const lines: TrayMenuItem[] = failing.slice(0, FAILING_LINES).map((job) => ({
    type: 'normal',
    label: text(`✕ ${job.name} is failing`),
    enabled: true,
    action: job.lastRunId !== null ? { kind: 'open-run', runId: job.lastRunId } : { kind: 'open-job', jobId: job.id },
  }));
  if (failing.length > FAILING_LINES) {
    lines.push({
      type: 'normal',
      label: `… and ${failing.length - FAILING_LINES} more failing`,
      enabled: true,
      action: { kind: 'open-dashboard' },
    });
  }
  return lines;
}

export function trayMenuTemplate(input: TrayMenuInput): TrayMenuItem[] {
  const { health } = input;
  const summary: TrayMenuItem = { type: 'normal', label: text(trayTooltip(health)), enabled: false, action: null };
  const failing = failingItems(input.jobs);
  // A full disk holds every new run: it gets its own line, which opens the dashboard (its header says more).
  const storage: TrayMenuItem[] = health.storage
    ? [
        {
          type: 'normal',
          label: text(`Storage problem: ${health.storage.code} writing ${health.storage.path}; new runs are held`),
          enabled: true,
          action: { kind: 'open-dashboard' },
        },
      ]
    : [];
  return [
    summary,
    ...storage,
    ...failing,
    { type: 'separator' },
    { type: 'submenu', label: 'Run now', submenu: runNowItems(input.jobs) },
    health.paused
      ? { type: 'normal', label: 'Resume all', enabled: true, action: { kind: 'resume-all' } }
      : { type: 'normal', label: 'Pause all', enabled: true, action: { kind: 'pause-all' } },
    { type: 'separator' },
    { type: 'normal', label: 'Open dashboard', enabled: true, action: { kind: 'open-dashboard' } },
    {
      type: 'checkbox',
      label: 'Start at login',
      checked: input.startAtLogin,
      action: { kind: 'toggle-start-at-login' },
    },
    { type: 'normal', label: 'Open logs folder', enabled: true, action: { kind: 'open-logs' } },
    { type: 'separator' },
    { type: 'normal', label: 'Quit Jobtray', enabled: true, action: { kind: 'quit' } },
  ];
}

/**
 * What decides whether the tray must be redone: the menu, the tooltip and the
 * icon, as one comparable key. Rebuilding an Electron menu on every event
 * would flicker an open menu and cost a D-Bus round trip on Linux.
 */
export function trayKey(template: readonly TrayMenuItem[], tooltip: string, icon: string): string {
  return JSON.stringify([template, tooltip, icon]);
}
