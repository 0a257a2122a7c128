import type { JobAlert } from '../../contract/model.js';

/**
 * Which desktop notifications to show for the engine's alerts. The engine
 * raises alerts on transitions only (a job turning failing, recovering, a
 * timeout, a broken jobs file); this policy adds what a desktop needs:
 * - muted (the `notifications_muted` setting): nothing is shown;
 * - deduplicated: the same kind for the same job within DEDUPE_MS is shown once
 *   (a job flapping between failing and ok does not ring every minute);
 * - rate-limited: at most BURST_LIMIT notices per BURST_WINDOW_MS; the rest of
 *   a burst are held and shown as one summary when the window ends;
 * - failures, timeouts, config errors and storage problems are `critical` on Linux (they stay on
 *   screen until dismissed); Electron ignores urgency elsewhere;
 * - clicking one opens what it is about: the run, else the job, else the dashboard.
 * Pure: a state in, a state and the notices to show out; the caller owns the clock and the timer.
 */

export const DEDUPE_MS = 10 * 60_000;
export const BURST_WINDOW_MS = 30_000;
export const BURST_LIMIT = 2;

export type NoticeTarget = { kind: 'run'; runId: number } | { kind: 'job'; jobId: string } | { kind: 'dashboard' };

export interface Notice {
  title: string;
  body: string;
  urgency: 'critical' | 'normal' | null;
  target: NoticeTarget;
}

export interface NoticeState {
  /** When each alert key was last let through. */
  readonly lastShown: ReadonlyMap<string, number>;
  /** Start of the current burst window, null when none is open. */
  readonly windowStart: number | null;
  readonly shownInWindow: number;
  /** Alerts of this window past the limit, for the summary. */
  readonly held: readonly JobAlert[];
}

export const INITIAL_NOTICE_STATE: NoticeState = {
  lastShown: new Map(),
  windowStart: null,
  shownInWindow: 0,
  held: [],
};

export interface NoticeContext {
  now: number;
  muted: boolean;
  platform: NodeJS.Platform;
}

export interface NoticeStep {
  state: NoticeState;
  show: Notice[];
  /** When to call flushNotices (the end of the open window), or null. */
  flushAt: number | null;
}

function alertKey(alert: JobAlert): string {
  return `${alert.kind}:${alert.job_id ?? '*'}`;
}

function urgency(alert: JobAlert, platform: NodeJS.Platform): Notice['urgency'] {
  if (platform !== 'linux') return null;
  return alert.kind === 'recovery' || alert.kind === 'storage_recovered' ? 'normal' : 'critical';
}

export function noticeFor(alert: JobAlert, platform: NodeJS.Platform): Notice {
  const target: NoticeTarget =
    alert.run_id !== null
      ? { kind: 'run', runId: alert.run_id }
      : alert.job_id !== null
        ? { kind: 'job', jobId: alert.job_id }
        : { kind: 'dashboard' };
  return { title: alert.title, body: alert.body, urgency: urgency(alert, platform), target };
}

/** One alert arrives. */
export function onAlert(state: NoticeState, alert: JobAlert, ctx: NoticeContext): NoticeStep {
  if (ctx.muted)
    return { state, show: [], flushAt: state.windowStart === null ? null : state.windowStart + BURST_WINDOW_MS };
  const key = alertKey(alert);
  const last = state.lastShown.get(key);
  const windowOpen = state.windowStart !== null && ctx.now < state.windowStart + BURST_WINDOW_MS;
  const windowStart = windowOpen ? state.windowStart! : ctx.now;
  const shownInWindow = windowOpen ? state.shownInWindow : 0;
  const held = windowOpen ? state.held : [];
  if (last !== undefined && ctx.now - last < DEDUPE_MS) {
    return { state: { ...state, windowStart, shownInWindow, held }, show: [], flushAt: windowStart + BURST_WINDOW_MS };
  }
  const lastShown = new Map(state.lastShown).set(key, ctx.now);
  if (shownInWindow >= BURST_LIMIT) {
    return {
      state: { lastShown, windowStart, shownInWindow, held: [...held, alert] },
      show: [],
      flushAt: windowStart + BURST_WINDOW_MS,
    };
  }
  return {
    state: { lastShown, windowStart, shownInWindow: shownInWindow + 1, held },
    show: [noticeFor(alert, ctx.platform)],
    flushAt: windowStart + BURST_WINDOW_MS,
  };
}

/** The burst window ended: held alerts become one summary (muted: dropped). */
export function flushNotices(state: NoticeState, ctx: NoticeContext): NoticeStep {
  const closed: NoticeState = { ...state, windowStart: null, shownInWindow: 0, held: [] };
  if (state.held.length === 0 || ctx.muted) return { state: closed, show: [], flushAt: null };
  if (state.held.length === 1) return { state: closed, show: [noticeFor(state.held[0]!, ctx.platform)], flushAt: null };
  const failures = state.held.filter((alert) => alert.kind !== 'recovery');
  const listed = state.held.slice(0, 4).map((alert) => alert.title);
  const more = state.held.length > listed.length ? `, and ${state.held.length - listed.length} more` : '';
  const summary: Notice = {
    title: `${state.held.length} more Jobtray alerts`,
    body: `${listed.join('; ')}${more}.`,
    urgency: ctx.platform === 'linux' ? (failures.length > 0 ? 'critical' : 'normal') : null,
    target: { kind: 'dashboard' },
  };
  return { state: closed, show: [summary], flushAt: null };
}
