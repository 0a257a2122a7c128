import type { ScheduleInput } from '../../contract/api.js';
import type { SchedulePreview } from '../../contract/model.js';
import { nextFireAfter } from '../../contract/schedule.js';
import { parseSchedule } from './jobs-file/index.js';

/**
 * The next `count` fire times a schedule override would give a job from `now`,
 * with the engine's own parsing and slot arithmetic: an override starts its
 * schedule at the moment it is saved, so an `every` grid is anchored at `now`.
 * A schedule the engine would refuse comes back as `{valid: false, error}` with
 * the message saving it would give.
 */
export function previewSchedule(jobId: string, input: ScheduleInput, now: number, count: number): SchedulePreview {
  const parsed = parseSchedule(input, `schedule override for job "${jobId}"`);
  if (parsed.errors.length > 0 || !parsed.schedule) {
    return {
      valid: false,
      error:
        parsed.errors.join('; ') || `schedule override for job "${jobId}": a schedule is required (cron, every or at)`,
    };
  }
  const next: number[] = [];
  let after = now;
  while (next.length < count) {
    const slot = nextFireAfter(parsed.schedule, after, now);
    if (slot === null) break;
    next.push(slot);
    after = slot;
  }
  return { valid: true, schedule: parsed.schedule, next };
}
