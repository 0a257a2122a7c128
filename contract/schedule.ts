/**
 * Pure schedule arithmetic: when a job fires next, which slot was missed during
 * downtime, and when a job counts as overdue. No timers and no clock: every
 * function takes the times it needs (epoch ms) as arguments.
 *
 * Schedule kinds (contract/model.ts `Schedule`):
 * - `cron`: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds
 *   first), in `timezone` (IANA) or the process's local zone when null.
 * - `every`: a grid of slots `anchor + k * every_ms` for any integer k. Only the
 *   anchor's phase matters, so the engine may pass the first scheduling time or the
 *   last fire time, whichever it keeps.
 * - `at`: one instant.
 * - null: manual only, never fires.
 *
 * Cron semantics (croner, see CRON_OPTIONS):
 * - Day of month and day of week combine with OR when both are restricted, as in
 *   classic cron: `0 0 13 * 5` fires on every 13th and on every Friday.
 * - DST, as Vixie cron does it. A *fixed-time* pattern (seconds, minutes and hours
 *   without `*` or a step: `30 2 * * *`, `30 2,14 * * *`) fires once on a
 *   transition day: in a spring-forward gap at the first valid time after the gap
 *   (02:30 Europe/Berlin on 2026-03-29 does not exist, so it fires at 03:00 CEST),
 *   and on a fall-back day at the first of the two occurrences. An *interval*
 *   pattern (`0 * * * *`, `*\/10 9-21 * * 1-5`) fires at every real matching
 *   instant: skipped times in a gap do not fire, a repeated hour fires twice, so an
 *   hourly job fires 23 times on a spring-forward day and 25 times on a fall-back day.
 */
import { Cron, type CronOptions } from 'croner';
import cronstrue from 'cronstrue';
import { JobtrayError } from './errors.js';
import type { Schedule } from './model.js';

type CronSchedule = Extract<Schedule, { kind: 'cron' }>;

/**
 * `paused` with no callback: croner never starts a timer, the instance is only a
 * calculator. `5-or-6-parts` rejects croner's 7-field (year) form;
 * `domAndDow: false` is classic OR semantics; `fixedTimeRule: 'no-wildcard'` makes
 * lists and ranges of times fixed-time jobs, so `30 2,14 * * *` does not run twice
 * on a fall-back day (croner's default would).
 */
const CRON_OPTIONS: CronOptions = {
  paused: true,
  mode: '5-or-6-parts',
  domAndDow: false,
  fixedTimeRule: 'no-wildcard',
};

/** Compiled patterns, keyed by timezone and pattern. Patterns come from the jobs file, so the set is small; the cap only guards against misuse. */
const compiled = new Map<string, Cron>();
const COMPILED_CAP = 512;

/**
 * Why a cron pattern (with its timezone) cannot be used, or null when it can.
 * For the config loader: the message names the pattern and the rule it breaks,
 * the caller adds file, job and field.
 */
export function cronProblem(cron: string, timezone: string | null): string | null {
  const built = build(cron, timezone);
  return typeof built === 'string' ? built : null;
}

/** A croner calculator for the pattern, or why there cannot be one. */
function build(cron: string, timezone: string | null): Cron | string {
  const fields = cron
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return `cron "${cron}" has ${fields.length} field(s); use 5 (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week)`;
  }
  if (timezone !== null && !isTimeZone(timezone)) {
    return `timezone "${timezone}" is not an IANA time zone name (for example Europe/Berlin or America/New_York)`;
  }
  let cronJob: Cron;
  try {
    cronJob = new Cron(cron, { ...CRON_OPTIONS, ...(timezone === null ? {} : { timezone }) });
  } catch (err) {
    return `cron "${cron}" is invalid: ${err instanceof Error ? err.message : String(err)}`;
  }
  // A pattern can be well-formed and still never match (`0 0 30 2 *`); the pattern
  // has no year field, so searching from any fixed start is enough to tell.
  if (cronJob.nextRun(new Date(0)) === null) return `cron "${cron}" never fires (no date matches it)`;
  return cronJob;
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function compile(schedule: CronSchedule): Cron {
  const key = `${schedule.timezone ?? ''}\u0000${schedule.cron}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const built = build(schedule.cron, schedule.timezone);
  if (typeof built === 'string') {
    throw new JobtrayError('invalid_input', `Cannot schedule: ${built}. Fix the job's schedule in the jobs file.`, {
      cron: schedule.cron,
      timezone: schedule.timezone,
    });
  }
  if (compiled.size >= COMPILED_CAP) compiled.clear();
  compiled.set(key, built);
  return built;
}

function checkedPeriod(everyMs: number): number {
  if (!Number.isFinite(everyMs) || everyMs <= 0) {
    throw new JobtrayError(
      'invalid_input',
      `Cannot schedule: every_ms must be a positive number of milliseconds, got ${everyMs}.`,
    );
  }
  return everyMs;
}

/** The first grid slot `anchor + k * period` strictly after `after`. */
function gridSlotAfter(anchor: number, period: number, after: number): number {
  return anchor + (Math.floor((after - anchor) / period) + 1) * period;
}

/** The last grid slot `anchor + k * period` at or before `at`. */
function gridSlotAtOrBefore(anchor: number, period: number, at: number): number {
  return anchor + Math.floor((at - anchor) / period) * period;
}

/**
 * Next fire time strictly after `after` (ms), or null (an `at` in the past, a
 * manual-only job). `anchor` places the `every` grid (slots are
 * anchor + k * every_ms); without it the grid starts at `after`, so the next slot
 * is `after + every_ms`.
 */
export function nextFireAfter(schedule: Schedule | null, after: number, anchor?: number): number | null {
  if (schedule === null) return null;
  switch (schedule.kind) {
    case 'cron':
      // croner strips milliseconds from the reference and returns a time strictly
      // after it; slots are whole seconds, so this is strictly after `after`.
      return compile(schedule).nextRun(new Date(after))?.getTime() ?? null;
    case 'every':
      return gridSlotAfter(anchor ?? after, checkedPeriod(schedule.every_ms), after);
    case 'at':
      return schedule.at_ms > after ? schedule.at_ms : null;
  }
}

/**
 * The latest slot at or before `now` and strictly after `since` — the newest slot
 * missed in (since, now] — or null. For catch-up after downtime or sleep: however
 * many slots were missed, only the newest is returned, so `catch_up: once` runs
 * once. `every`: the grid is placed by `anchor`, or starts at `since` without one.
 */
export function lastSlotBetween(schedule: Schedule | null, since: number, now: number, anchor?: number): number | null {
  if (schedule === null || now <= since) return null;
  let slot: number | null;
  switch (schedule.kind) {
    case 'cron':
      // previousRuns is exclusive of its reference but includes a run earlier in the
      // reference's second, so `now + 1` makes a slot exactly at `now` count.
      slot =
        compile(schedule)
          .previousRuns(1, new Date(now + 1))[0]
          ?.getTime() ?? null;
      break;
    case 'every':
      slot = gridSlotAtOrBefore(anchor ?? since, checkedPeriod(schedule.every_ms), now);
      break;
    case 'at':
      slot = schedule.at_ms <= now ? schedule.at_ms : null;
      break;
  }
  return slot !== null && slot > since ? slot : null;
}

/** countSlotsBetween stops counting cron slots here: a long downtime is not walked slot by slot. */
export const SLOT_COUNT_CAP = 1_000;

/**
 * How many slots fall in (since, until]. `every` (counted by arithmetic): on
 * the grid placed by `anchor` (or `since`). `cron`: at most SLOT_COUNT_CAP,
 * `capped` when there were more.
 */
export function countSlotsBetween(
  schedule: Schedule | null,
  since: number,
  until: number,
  anchor?: number,
): { count: number; capped: boolean } {
  if (schedule === null || until <= since) return { count: 0, capped: false };
  let count = 0;
  switch (schedule.kind) {
    case 'every': {
      const period = checkedPeriod(schedule.every_ms);
      const grid = anchor ?? since;
      const first = gridSlotAfter(grid, period, since);
      count = first > until ? 0 : Math.round((gridSlotAtOrBefore(grid, period, until) - first) / period) + 1;
      break;
    }
    case 'at':
      count = schedule.at_ms > since && schedule.at_ms <= until ? 1 : 0;
      break;
    case 'cron': {
      const cron = compile(schedule);
      for (let at = since; count <= SLOT_COUNT_CAP; count++) {
        const next = cron.nextRun(new Date(at))?.getTime();
        if (next === undefined || next > until) break;
        at = next;
      }
      if (count > SLOT_COUNT_CAP) return { count: SLOT_COUNT_CAP, capped: true };
      break;
    }
  }
  return { count, capped: false };
}

/**
 * The time from which a job is overdue, or null when it cannot be (manual only, an
 * `at` already past).
 *
 * base = lastCompletedAt ?? firstSeenAt; S1 = the first slot strictly after base
 * (`every`: base + every_ms). The job fires at S1 and is expected to have completed
 * a run by S1 + graceMs; a run completing at or after S1 moves base past S1 and so
 * clears it. Using the next slot, not a typical period, keeps schedules with gaps
 * right: `*\/10 9-21 * * 1-5` last completed on Friday 21:50 is next due Monday
 * 09:00, not overdue all weekend. For `every`, anchoring at the completion time
 * (a little after the fire) is lenient by the run's duration, on purpose.
 */
export function overdueDeadline(
  schedule: Schedule | null,
  lastCompletedAt: number | null,
  firstSeenAt: number,
  graceMs: number,
): number | null {
  const base = lastCompletedAt ?? firstSeenAt;
  const next = nextFireAfter(schedule, base);
  return next === null ? null : next + graceMs;
}

/** One line for cards, tooltips and the CLI: "every 10m", "cron *\/10 9-21 * * 1-5 (Europe/Berlin)", "once at 2026-12-01T09:00:00.000Z", "manual". */
export function describeSchedule(schedule: Schedule | null): string {
  if (schedule === null) return 'manual';
  switch (schedule.kind) {
    case 'cron':
      return `cron ${schedule.cron.trim()}${schedule.timezone === null ? '' : ` (${schedule.timezone})`}`;
    case 'every':
      // The user's own duration text ("90m" stays "90m"), as they wrote it.
      return `every ${schedule.every.trim()}`;
    case 'at':
      return `once at ${new Date(schedule.at_ms).toISOString()}`;
  }
}

const EVERY_UNITS: readonly [size: number, one: string, many: string][] = [
  [86_400_000, 'day', 'days'],
  [3_600_000, 'hour', 'hours'],
  [60_000, 'minute', 'minutes'],
  [1_000, 'second', 'seconds'],
];

/**
 * The schedule as a sentence, for people who do not read cron: "At 03:00",
 * "Every 10 minutes, between 09:00 and 21:59, Monday through Friday (Europe/Berlin)",
 * "Every 90 minutes", "Once, at …", "Manual only". `formatInstant` writes an
 * `at` time (the dashboard passes the user's locale; default ISO 8601).
 */
export function describeScheduleInWords(
  schedule: Schedule | null,
  formatInstant: (ms: number) => string = (ms) => new Date(ms).toISOString(),
): string {
  if (schedule === null) return 'Manual only';
  switch (schedule.kind) {
    case 'cron': {
      let words: string;
      try {
        words = cronstrue.toString(schedule.cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
      } catch {
        words = describeSchedule(schedule);
      }
      return schedule.timezone === null ? words : `${words} (${schedule.timezone})`;
    }
    case 'every': {
      // The largest unit the period is a whole number of: 90 minutes stays "90 minutes", not "1.5 hours".
      const unit = EVERY_UNITS.find(([size]) => schedule.every_ms % size === 0);
      if (!unit) return `Every ${schedule.every_ms} ms`;
      const count = schedule.every_ms / unit[0];
      return count === 1 ? `Every ${unit[1]}` : `Every ${count} ${unit[2]}`;
    }
    case 'at':
      return `Once, at ${formatInstant(schedule.at_ms)}`;
  }
}
