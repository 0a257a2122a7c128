/**
 * Relative times as cards and lists show them, ticking against a clock the
 * caller passes in: "in 4 min", "2 h ago", "in 28 s". Pure: no clock of its own,
 * so the same text comes out for the same two instants (tests use fixed times).
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A span in the largest one or two units that matter: `28 s`, `4 min 05 s`
 * (under 10 minutes, seconds still count), `42 min`, `3 h 20 min`, `2 d 4 h`.
 * Whole seconds, rounded down, so a countdown never shows more time than is left.
 */
export function formatSpan(ms: number): string {
  const total = Math.max(0, Math.floor(ms / SECOND)) * SECOND;
  if (total < MINUTE) return `${total / SECOND} s`;
  if (total < 10 * MINUTE) {
    const minutes = Math.floor(total / MINUTE);
    const seconds = (total - minutes * MINUTE) / SECOND;
    return seconds === 0 ? `${minutes} min` : `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  }
  if (total < HOUR) return `${Math.floor(total / MINUTE)} min`;
  if (total < DAY) {
    const hours = Math.floor(total / HOUR);
    const minutes = Math.floor((total - hours * HOUR) / MINUTE);
    return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
  }
  const days = Math.floor(total / DAY);
  const hours = Math.floor((total - days * DAY) / HOUR);
  return hours === 0 ? `${days} d` : `${days} d ${hours} h`;
}

/**
 * `at` relative to `now`: "in 4 min 05 s" ahead, "2 h ago" behind, "now" within
 * the same second. Past times above a minute drop the seconds ("3 min ago"):
 * they are read as "how long since", where seconds are noise.
 */
export function formatRelative(at: number, now: number): string {
  const delta = at - now;
  if (Math.abs(delta) < SECOND) return 'now';
  if (delta > 0) return `in ${formatSpan(delta)}`;
  const ago = -delta;
  return `${formatSpan(ago < MINUTE ? ago : Math.floor(ago / MINUTE) * MINUTE)} ago`;
}

/**
 * Time elapsed since `since` as a clock: `0:07`, `12:30`, `1:02:03` — for a
 * running run, where the digits tick in place.
 */
export function formatElapsed(since: number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - since) / SECOND));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
