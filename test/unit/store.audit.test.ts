import { describe, expect, it } from 'vitest';
import { useTempStore } from '../helpers/temp-store.js';

const temp = useTempStore();

describe('store audit', () => {
  it('records an entry with details and defaults', () => {
    const before = Date.now();
    const entry = temp.store.audit({ actor: 'tray', action: 'engine:pause' });
    expect(entry).toEqual({
      id: entry.id,
      ts: entry.ts,
      actor: 'tray',
      action: 'engine:pause',
      job_id: null,
      run_id: null,
      details: null,
    });
    expect(entry.ts).toBeGreaterThanOrEqual(before);

    const full = temp.store.audit({
      actor: 'cli',
      action: 'job:trigger',
      job_id: 'sync-orders',
      run_id: 12,
      details: { params: { days_back: 3 }, note: 'by hand' },
      ts: 1_000,
    });
    expect(full).toMatchObject({
      ts: 1_000,
      job_id: 'sync-orders',
      run_id: 12,
      details: { params: { days_back: 3 }, note: 'by hand' },
    });
  });

  it('lists newest first, by job, with a limit', () => {
    const ids = ['a', 'b', 'a', 'c', 'a'].map(
      (job, i) => temp.store.audit({ actor: 'ui', action: `act-${i}`, job_id: job, ts: i }).id,
    );
    expect(temp.store.listAudit({}).map((e) => e.id)).toEqual([...ids].reverse());
    expect(temp.store.listAudit({ job_id: 'a' }).map((e) => e.action)).toEqual(['act-4', 'act-2', 'act-0']);
    expect(temp.store.listAudit({ job_id: 'a', limit: 2 }).map((e) => e.action)).toEqual(['act-4', 'act-2']);
    expect(temp.store.listAudit({ limit: 1 })).toHaveLength(1);
    expect(temp.store.listAudit({ job_id: 'none' })).toEqual([]);
  });
});
