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
 */
import type { CatchUpMode, RunTrigger, Schedule } from '../../contract/model.js';
import { coerceError } from '../../contract/errors.js';
import { lastSlotBetween, nextFireAfter } from '../../contract/schedule.js';
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
}

/**
 * The slot due by `now` of a schedule last handled at `since`, or null.
 * Exactly one due slot within the tolerance is an ordinary `schedule` run;
 * more than one, or one long past, were missed: `catch_up: once` runs the job
 * once with trigger `catch_up`, `skip` lets them go.
 */
export function dueSlot(schedule: Schedule, catchUp: CatchUpMode, since: number, now: number): DueSlot | null {
  const newest = lastSlotBetween(schedule, since, now, since);
  if (newest === null) return null;
  const first = nextFireAfter(schedule, since, since) ?? newest;
  const onTime = first === newest && now - newest <= ON_TIME_TOLERANCE_MS;
  return { slot: newest, trigger: onTime ? 'schedule' : catchUp === 'once' ? 'catch_up' : null };
}

/** What firing slots needs from the engine. */
export interface SlotFiringContext {
  readonly storage: Pick<StorageGuard, 'writable' | 'noteFailure' | 'holdFire'>;
  readonly jobs: Pick<JobRegistry, 'values' | 'refreshNextFire' | 'keepState'>;
  readonly runs: Pick<RunQueue, 'create'>;
  readonly logger: Logger;
}

/** Fires every enabled, scheduled job whose slot is due by `now` (the engine is not paused). */
export function fireDueSlots(ctx: SlotFiringContext, now: number): void {
  for (const entry of ctx.jobs.values()) fireDue(ctx, entry, now);
}

function fireDue(ctx: SlotFiringContext, entry: JobEntry, now: number): void {
  const def = effectiveDef(entry);
  if (!def || !def.enabled || !def.schedule) return;
  const due = dueSlot(def.schedule, def.catch_up, entry.state.last_slot_at ?? entry.state.first_seen_at, now);
  if (due) {
    const { slot, trigger } = due;
    ctx.jobs.keepState(entry, { last_slot_at: slot, ...(trigger ? { last_fire_at: now } : {}) });
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
    } else {
      ctx.logger.info(`job "${entry.id}": missed slot ${new Date(slot).toISOString()} skipped (catch_up: skip)`);
    }
  }
  ctx.jobs.refreshNextFire(entry, false);
}
