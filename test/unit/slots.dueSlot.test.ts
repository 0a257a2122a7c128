import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
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
    });
  });

  it('several slots passed (downtime): the newest is handled, never an ordinary run even when it is on time', () => {
    const now = t('2026-01-01T15:00:01Z');
    expect(dueSlot(hourly, 'once', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T15:00:00Z'),
      trigger: 'catch_up',
    });
    expect(dueSlot(hourly, 'skip', t('2026-01-01T10:00:00Z'), now)).toEqual({
      slot: t('2026-01-01T15:00:00Z'),
      trigger: null,
    });
  });
});
