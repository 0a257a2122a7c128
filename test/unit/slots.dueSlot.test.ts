import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { SLOT_COUNT_CAP } from '../../contract/schedule.js';
import { ON_TIME_TOLERANCE_MS, dueSlot } from '../../main/engine/slots.js';

const t = (iso: string): number => Date.parse(iso);
const hourly: Schedule = { kind: 'cron', cron: '0 * * * *', timezone: 'UTC' };

describe('dueSlot', () => {
  it('nothing is due before the next slot', () => {
    expect(dueSlot(hourly, 'once', t('2026-01-01T10:00:00Z'), t('2026-01-01T10:59:59Z'))).toBeNull();
  });

  it('one slot within the tolerance is an ordinary scheduled run', () => {
    const now = t('2026-01-01T11:00:00Z') + ON_TIME_TOLERANCE_MS;
    expect(dueSlot(hourly, 'skip', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T11:00:00Z'),
      trigger: 'schedule',
    });
  });

  it('one slot past the tolerance was missed: caught up once, or let go', () => {
    const now = t('2026-01-01T11:00:00Z') + ON_TIME_TOLERANCE_MS + 1;
    expect(dueSlot(hourly, 'once', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T11:00:00Z'),
      trigger: 'catch_up',
    });
    expect(dueSlot(hourly, 'skip', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T11:00:00Z'),
      trigger: null,
      missed: { count: 1, capped: false, first: t('2026-01-01T11:00:00Z'), last: t('2026-01-01T11:00:00Z') },
    });
  });

  it('several slots passed (downtime): the newest is handled, never an ordinary run even when it is on time', () => {
    const now = t('2026-01-01T15:00:01Z');
    expect(dueSlot(hourly, 'once', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T15:00:00Z'),
      trigger: 'catch_up',
      missed: { count: 4, capped: false, first: t('2026-01-01T11:00:00Z'), last: t('2026-01-01T14:00:00Z') },
    });
    expect(dueSlot(hourly, 'skip', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T15:00:00Z'),
      trigger: null,
      missed: { count: 5, capped: false, first: t('2026-01-01T11:00:00Z'), last: t('2026-01-01T15:00:00Z') },
    });
  });

  it('several slots passed while the engine was up (it fired late): the newest still on time runs as usual', () => {
    const now = t('2026-01-01T15:00:01Z');
    const upSince = t('2026-01-01T09:00:00Z');
    expect(dueSlot(hourly, 'skip', t('2026-01-01T13:00:00Z'), now, upSince)).toEqual({
      slot: t('2026-01-01T15:00:00Z'),
      trigger: 'schedule',
      missed: { count: 1, capped: false, first: t('2026-01-01T14:00:00Z'), last: t('2026-01-01T14:00:00Z') },
    });
    // Up since after the first missed slot: that one was downtime, so the old rule holds.
    expect(dueSlot(hourly, 'skip', t('2026-01-01T13:00:00Z'), now, t('2026-01-01T14:30:00Z'))?.trigger).toBeNull();
  });

  it('a long downtime of a frequent cron is counted up to a cap, not walked slot by slot', () => {
    const everySecondCron: Schedule = { kind: 'cron', cron: '* * * * * *', timezone: 'UTC' };
    const due = dueSlot(everySecondCron, 'skip', t('2026-01-01T00:00:00Z'), t('2026-01-08T00:00:00Z'));
    expect(due?.missed).toMatchObject({ count: SLOT_COUNT_CAP, capped: true });
  });
});
