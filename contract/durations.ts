import ms from 'ms';

/**
 * Human durations for the jobs file (`timeout: 3m`, `every: 1h30m`,
 * `retries.delay: 30s`) and for messages. A duration is one or more
 * `<number><unit>` parts (`500ms`, `1.5h`, `1h30m`, `2 days`); the units are the
 * `ms` package's (ms, s, m, h, d, w, y and their long forms). A unit is always
 * required: a bare `30` could mean seconds or milliseconds, so it is rejected.
 */

export type DurationCheck = { ok: true; ms: number } | { ok: false; why: string };

const EXAMPLES = 'e.g. "30s", "5m", "2h" or "1h30m"';
/** The whole string must be a sequence of number+unit parts. */
const COMPOUND = /^(?:(?:\d+(?:\.\d+)?|\.\d+)\s*[a-z]+\s*)+$/i;
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/gi;
const BARE_NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Checks a duration and says why it is unusable. `why` names the offending value,
 * so callers only add where it came from (file, job, field).
 */
export function checkDuration(value: unknown): DurationCheck {
  if (typeof value === 'number' || (typeof value === 'string' && BARE_NUMBER.test(value.trim()))) {
    return { ok: false, why: `duration ${JSON.stringify(value)} has no unit (${EXAMPLES})` };
  }
  if (typeof value !== 'string') {
    return { ok: false, why: `expected a duration (${EXAMPLES}), got ${JSON.stringify(value) ?? String(value)}` };
  }
  const text = value.trim();
  if (text.startsWith('-')) return { ok: false, why: `duration "${value}" must be greater than zero` };
  if (!COMPOUND.test(text)) return { ok: false, why: `invalid duration "${value}" (${EXAMPLES})` };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    const part = ms(`${amount}${unit}` as ms.StringValue) as number | undefined;
    if (part === undefined) {
      return { ok: false, why: `invalid duration "${value}": unknown unit "${unit}" (use ms, s, m, h, d or w)` };
    }
    total += part;
  }
  const rounded = Math.round(total);
  if (!Number.isFinite(rounded) || rounded <= 0) {
    return { ok: false, why: `duration "${value}" must be greater than zero` };
  }
  return { ok: true, ms: rounded };
}

/** Milliseconds of a duration string, or null when it is not a valid positive duration. */
export function parseDuration(value: unknown): number | null {
  const checked = checkDuration(value);
  return checked.ok ? checked.ms : null;
}

const UNITS: readonly [suffix: string, size: number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** `5400000` → `1h 30m`, `45000` → `45s`, `250` → `250ms`, `0` → `0ms`. Every non-zero unit is shown, so the text is exact. */
export function formatDuration(duration: number): string {
  if (!Number.isFinite(duration)) return String(duration);
  const sign = duration < 0 ? '-' : '';
  let rest = Math.round(Math.abs(duration));
  const parts: string[] = [];
  for (const [suffix, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${suffix}`);
  }
  return parts.length === 0 ? '0ms' : sign + parts.join(' ');
}

/**
 * A run's duration for reading at a glance: `formatDuration` at the precision
 * that matters. Under 10 s to the millisecond (`2s 340ms`), under an hour to
 * the second (`56s`, `2m 1s`), then to the minute (`1h 5m`).
 */
export function formatRunDuration(duration: number): string {
  const step = Math.abs(duration) >= 3_600_000 ? 60_000 : Math.abs(duration) >= 10_000 ? 1_000 : 1;
  return formatDuration(Math.round(duration / step) * step);
}
