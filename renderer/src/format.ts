import { formatRunDuration } from '../../contract/durations.js';
import type { JobHealth, JobView, RunOutcomePoint, RunRecord, RunState, Schedule } from '../../contract/model.js';
import { isTerminal } from '../../contract/model.js';
import { describeScheduleInWords } from '../../contract/schedule.js';

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

/** A run's duration (`formatRunDuration`), or `—` when it has none. */
export function formatMaybeDuration(ms: number | null): string {
  return ms === null ? '—' : formatRunDuration(ms);
}

const inWords = new Map<string, string>();

/**
 * A schedule in words, remembered: a grid of hundreds of jobs shares a few
 * dozen schedules, and putting a cron pattern into words parses it.
 */
export function scheduleInWords(schedule: Schedule | null): string {
  const key = JSON.stringify(schedule);
  let words = inWords.get(key);
  if (words === undefined) {
    words = describeScheduleInWords(schedule, formatDateTime);
    inWords.set(key, words);
  }
  return words;
}

/**
 * A job's newest run with an outcome: its last run when that one has ended
 * (it comes with the job list), else the newest point of its sparkline.
 */
export function lastOutcome(job: JobView, points: readonly RunOutcomePoint[]): RunOutcomePoint | null {
  const run = job.last_run;
  if (run && isTerminal(run.state) && run.state !== 'skipped')
    return { id: run.id, state: run.state, duration_ms: run.duration_ms, finished_at: run.finished_at };
  return points.at(-1) ?? null;
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

/**
 * A health or run state as a chip shows it: `chip status tone-…` classes (the
 * tone's colours and symbol, base.css) and the word. Colour is never the only signal.
 */
export function chipOf(status: { health: JobHealth } | { state: RunState }): { className: string; label: string } {
  const tone = 'state' in status ? stateTone(status.state) : healthTone(status.health);
  return {
    className: `chip status tone-${tone}`,
    label: 'state' in status ? STATE_LABELS[status.state] : HEALTH_LABELS[status.health],
  };
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
