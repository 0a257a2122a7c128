import { formatDuration } from '../../contract/durations.js';
import type { JobHealth, RunRecord, RunState } from '../../contract/model.js';

/**
 * Display text for the dashboard. Instants are shown in the user's own locale
 * and time zone (the browser's); durations and relative times come from
 * contract/ (shared with the CLI).
 */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** `5 Mar 2026, 14:03:07` in the user's locale. */
export function formatDateTime(ms: number | null): string {
  return ms === null ? '—' : dateTime.format(ms);
}

/** The time alone for today, date and time otherwise. */
export function formatWhen(ms: number | null, now: number): string {
  if (ms === null) return '—';
  return dayOnly.format(ms) === dayOnly.format(now) ? timeOnly.format(ms) : dateTime.format(ms);
}

export function formatMaybeDuration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

export const STATE_LABELS: Record<RunState, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  skipped: 'Skipped',
  retry_scheduled: 'Retry scheduled',
};

export const HEALTH_LABELS: Record<JobHealth, string> = {
  disabled: 'Disabled',
  ok: 'OK',
  running: 'Running',
  retrying: 'Retrying',
  overdue: 'Overdue',
  invalid: 'Invalid',
  failing: 'Failing',
};

/** The colour family of a state or health: every use pairs it with a word or icon. */
export type Tone = 'ok' | 'fail' | 'warn' | 'run' | 'muted';

export function stateTone(state: RunState): Tone {
  switch (state) {
    case 'succeeded':
      return 'ok';
    case 'failed':
    case 'timed_out':
    case 'interrupted':
      return 'fail';
    case 'retry_scheduled':
      return 'warn';
    case 'queued':
    case 'running':
      return 'run';
    case 'cancelled':
    case 'skipped':
      return 'muted';
  }
}

export function healthTone(health: JobHealth): Tone {
  switch (health) {
    case 'ok':
      return 'ok';
    case 'failing':
    case 'invalid':
      return 'fail';
    case 'overdue':
    case 'retrying':
      return 'warn';
    case 'running':
      return 'run';
    case 'disabled':
      return 'muted';
  }
}

/** Runs that "Retry now" applies to. */
export function canRetry(run: RunRecord): boolean {
  return (
    run.state === 'failed' ||
    run.state === 'timed_out' ||
    run.state === 'interrupted' ||
    run.state === 'cancelled' ||
    run.state === 'retry_scheduled'
  );
}

export function canCancel(run: RunRecord): boolean {
  return run.state === 'queued' || run.state === 'running' || run.state === 'retry_scheduled';
}
