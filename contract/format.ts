import { formatRunDuration } from './durations.js';
import type { RunRecord, RunState } from './model.js';

/**
 * Text for people, shared by the CLI and the dashboard so both say the same
 * thing the same way. Pure and browser-safe; times are shown in local time.
 * A missing time or duration is shown as `-`.
 */

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `HH:MM:SS` when `ms` falls on the same local day as `now`, else `YYYY-MM-DD HH:MM`. */
export function shortTime(ms: number | null, now = Date.now()): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return clockTime(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `formatRunDuration`, or `-` when there is no duration (a run that has not ended). */
export function durationText(ms: number | null): string {
  return ms === null ? '-' : formatRunDuration(ms);
}

/** A run state as words: `timed_out` → `timed out`, `retry_scheduled` → `retry scheduled`. */
export function runStateWord(state: RunState): string {
  return state.replace('_', ' ');
}

/** A run's progress as `40% Importing orders` (state when no step was reported). */
export function progressText(run: Pick<RunRecord, 'progress' | 'step' | 'state'>): string {
  const pct = run.progress === null ? '' : `${Math.round(run.progress)}% `;
  return `${pct}${run.step ?? runStateWord(run.state)}`;
}

/** One sentence on how a run ended: "Run 12 (sync-orders, attempt 1/3) failed after 2s: exit code 1". */
export function describeOutcome(run: RunRecord): string {
  const who = `Run ${run.id} (${run.job_id}, attempt ${run.attempt}/${run.max_attempts})`;
  if (run.state === 'skipped') return `${who} was skipped: ${run.reason ?? 'no reason recorded'}`;
  const took =
    run.duration_ms === null
      ? ''
      : run.state === 'succeeded'
        ? ` in ${durationText(run.duration_ms)}`
        : ` after ${durationText(run.duration_ms)}`;
  const why = run.error ?? (run.state === 'succeeded' ? null : run.reason);
  return `${who} ${runStateWord(run.state)}${took}${why ? `: ${why}` : ''}`;
}

/** A size for people: `512 B`, `3.4 KB`, `1.2 MB`, `7.5 GB` (1 KB = 1024 B). */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
