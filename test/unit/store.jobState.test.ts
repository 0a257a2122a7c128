import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../contract/model.js';
import { useTempStore } from '../helpers/temp-store.js';

const temp = useTempStore();

describe('store job state', () => {
  it('creates a row with empty fields and first_seen_at/updated_at of now', () => {
    const before = Date.now();
    const row = temp.store.upsertJobState('sync-orders', { next_fire_at: 5_000 });
    expect(row).toEqual({
      job_id: 'sync-orders',
      enabled_override: null,
      schedule_override: null,
      last_fire_at: null,
      next_fire_at: 5_000,
      last_slot_at: null,
      first_seen_at: row.updated_at,
      updated_at: row.updated_at,
    });
    expect(row.updated_at).toBeGreaterThanOrEqual(before);
    expect(temp.store.getJobState('sync-orders')).toEqual(row);
    expect(temp.store.getJobState('unknown')).toBeNull();
  });

  it('changes only the patched fields and round-trips overrides', () => {
    const schedule: Schedule = { kind: 'cron', cron: '*/10 9-21 * * 1-5', timezone: 'Europe/Berlin' };
    temp.store.upsertJobState('a', { first_seen_at: 100, updated_at: 100, last_fire_at: 50 });
    const disabled = temp.store.upsertJobState('a', {
      enabled_override: false,
      schedule_override: schedule,
      updated_at: 200,
    });
    expect(disabled).toMatchObject({
      first_seen_at: 100,
      updated_at: 200,
      last_fire_at: 50,
      enabled_override: false,
      schedule_override: schedule,
    });
    expect(temp.store.getJobState('a')).toEqual(disabled);

    const enabled = temp.store.upsertJobState('a', { enabled_override: true, last_slot_at: 300, updated_at: 300 });
    expect(enabled).toMatchObject({ enabled_override: true, schedule_override: schedule, last_slot_at: 300 });

    const cleared = temp.store.upsertJobState('a', {
      enabled_override: null,
      schedule_override: null,
      updated_at: 400,
    });
    expect(temp.store.getJobState('a')).toEqual({
      ...cleared,
      enabled_override: null,
      schedule_override: null,
      first_seen_at: 100,
    });
  });

  it("keeps each job's state apart", () => {
    temp.store.upsertJobState('b', {});
    temp.store.upsertJobState('a', { schedule_override: { kind: 'every', every: '1h', every_ms: 3_600_000 } });
    expect(temp.store.getJobState('a')?.schedule_override).toEqual({ kind: 'every', every: '1h', every_ms: 3_600_000 });
    expect(temp.store.getJobState('b')).toMatchObject({ job_id: 'b', schedule_override: null });
  });
});
