/**
 * Firing a job's due schedule slots: which slot is due and whether it runs
 * (dueSlot, pure), and recording it (fireDueSlots) — the slot handled, the
 * run created, the next fire time stored.
 *
 * Invariants:
 * - A slot is handled once: last_slot_at moves past it before its run is
 *   created, so a failing create never fires the same slot again.
 * - However many slots passed (downtime, sleep), at most one run is created
 *   per job and timer turn.
 * - While writing fails (storage-guard.ts) a due fire creates no run: it is
 *   held, counted, and recorded as a skipped run once writing works.
 * - Every slot is accounted for: the slots that get no run of their own
 *   (downtime, sleep, a host too busy to fire on time) are recorded as one
 *   skipped run saying how many, when, why, and what happened instead.
 */
import type { CatchUpMode, RunTrigger, Schedule } from '../../contract/model.js';
import { coerceError } from '../../contract/errors.js';
import { formatDuration } from '../../contract/durations.js';
import { countSlotsBetween, lastSlotBetween, nextFireAfter } from '../../contract/schedule.js';
import { effectiveDef, type JobEntry, type JobRegistry } from './job-registry.js';
import type { Logger } from './logger.js';
import { resolveParams } from './params.js';
import type { RunQueue } from './run-queue.js';
import { classifyStorageError } from './storage-errors.js';
import type { StorageGuard } from './storage-guard.js';

/** A scheduled slot within this much of its time counts as on time; later ones were missed (downtime, sleep). */
export const ON_TIME_TOLERANCE_MS = 30_000;

export interface DueSlot {
  /** The newest slot due: the job's schedule continues after it. */
  slot: number;
  /** How it runs: `schedule` on time, `catch_up` for missed slots with `catch_up: once`, null when they are let go. */
  trigger: RunTrigger | null;
  /** The slots that get no run of their own (absent when there are none). */
  missed?: MissedSlots;
}

export interface MissedSlots {
  /** How many (at most SLOT_COUNT_CAP; `capped` when there were more). */
  count: number;
  capped: boolean;
  first: number;
  last: number;
}

/**
 * The slot due by `now` of a schedule last handled at `since`, or null.
 * Exactly one due slot within the tolerance is an ordinary `schedule` run;
 * more than one, or one long past, were missed: `catch_up: once` runs the job
 * once with trigger `catch_up`, `skip` lets them go. When the engine was up
 * and awake (since `upSince`) at every missed slot, they were missed because
 * it fired late, not because it was down: a newest slot still on time then
 * runs as usual. `missed` counts the slots without a run of their own.
 */
export function dueSlot(
  schedule: Schedule,
  catchUp: CatchUpMode,
  since: number,
  now: number,
  upSince = Number.POSITIVE_INFINITY,
): DueSlot | null {
  const newest = lastSlotBetween(schedule, since, now, since);
  if (newest === null) return null;
  const first = nextFireAfter(schedule, since, since) ?? newest;
  const onTime = now - newest <= ON_TIME_TOLERANCE_MS && (first === newest || first >= upSince);
  const trigger = onTime ? 'schedule' : catchUp === 'once' ? 'catch_up' : null;
  // The run (if any) stands for the newest slot; the ones before it are missed.
  const lastMissed = trigger === null ? newest : lastSlotBetween(schedule, since, newest - 1, since);
  if (lastMissed === null) return { slot: newest, trigger };
  const { count, capped } = countSlotsBetween(schedule, since, lastMissed, since);
  return { slot: newest, trigger, missed: { count, capped, first, last: lastMissed } };
}

/**
 * The reason recorded for missed slots, e.g. "missed 3 scheduled runs from …
 * to …: Jobtray was not running; let go (catch_up: skip)".
 */
export function missedReason(missed: MissedSlots, trigger: RunTrigger | null, upSince: number, now: number): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const what =
    missed.count === 1
      ? `missed 1 scheduled run at ${iso(missed.first)}`
      : `missed ${missed.capped ? 'more than ' : ''}${missed.count} scheduled runs from ${iso(missed.first)} to ${iso(missed.last)}`;
  const why =
    missed.first < upSince
      ? 'Jobtray was not running or the computer was asleep'
      : `Jobtray fired late (${formatDuration(now - missed.first)} after the slot: the host was busy or the computer slept)`;
  const instead =
    trigger === 'catch_up'
      ? 'caught up by one run now (catch_up: once)'
      : trigger === 'schedule'
        ? 'the run for the newest slot started on time'
        : 'let go (catch_up: skip)';
  return `${what}: ${why}; ${instead}`;
}

/** What firing slots needs from the engine. */
export interface SlotFiringContext {
  readonly storage: Pick<StorageGuard, 'writable' | 'noteFailure' | 'holdFire'>;
  readonly jobs: Pick<JobRegistry, 'values' | 'refreshNextFire' | 'keepState'>;
  readonly runs: Pick<RunQueue, 'create' | 'recordMissed'>;
  readonly logger: Logger;
}

/**
 * Fires every enabled, scheduled job whose slot is due by `now` (the engine is
 * not paused). `upSince`: since when the engine has been running and awake.
 */
export function fireDueSlots(ctx: SlotFiringContext, now: number, upSince: number): void {
  for (const entry of ctx.jobs.values()) fireDue(ctx, entry, now, upSince);
}

function fireDue(ctx: SlotFiringContext, entry: JobEntry, now: number, upSince: number): void {
  const def = effectiveDef(entry);
  if (!def || !def.enabled || !def.schedule) return;
  const due = dueSlot(def.schedule, def.catch_up, entry.state.last_slot_at ?? entry.state.first_seen_at, now, upSince);
  if (due) {
    const { slot, trigger, missed } = due;
    ctx.jobs.keepState(entry, { last_slot_at: slot, ...(trigger ? { last_fire_at: now } : {}) });
    if (missed) recordMissed(ctx, entry, missedReason(missed, trigger, upSince, now), now);
    if (trigger && !ctx.storage.writable) {
      ctx.storage.holdFire(entry.id, now, trigger);
    } else if (trigger) {
      try {
        ctx.runs.create(entry, def, { trigger, actor: 'engine', params: resolveParams(def, {}), parent: null });
      } catch (error) {
        // The store already put the engine in its storage problem; the fire is held like the ones after it.
        if (classifyStorageError(error) && ctx.storage.noteFailure(error, `job "${entry.id}": its scheduled run`))
          ctx.storage.holdFire(entry.id, now, trigger);
        else ctx.logger.error(`job "${entry.id}": scheduled run not created: ${coerceError(error).message}`);
      }
    }
  }
  ctx.jobs.refreshNextFire(entry, false);
}

/** Missed slots become one skipped run; while writing fails they are only logged. */
function recordMissed(ctx: SlotFiringContext, entry: JobEntry, reason: string, now: number): void {
  ctx.logger.info(`job "${entry.id}": ${reason}`);
  if (!ctx.storage.writable) return;
  try {
    ctx.runs.recordMissed(entry.id, reason, now);
  } catch (error) {
    if (!(classifyStorageError(error) && ctx.storage.noteFailure(error, `job "${entry.id}": its missed slots`)))
      ctx.logger.error(`job "${entry.id}": missed slots not recorded: ${coerceError(error).message}`);
  }
}
