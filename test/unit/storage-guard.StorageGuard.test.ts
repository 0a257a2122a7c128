import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobAlert } from '../../contract/model.js';
import {
  HELD_FIRES_LISTED,
  PROBE_FIRST_MS,
  PROBE_MAX_MS,
  StorageGuard,
  type HeldFire,
} from '../../main/engine/storage-guard.js';
import { openStore, type Store } from '../../main/engine/store/index.js';
import { track } from '../helpers/open-handles.js';
import { sampleRun } from '../helpers/temp-store.js';

/**
 * The guard against a real store capped with max_page_count (Store.setPageLimit):
 * writes fail with SQLITE_FULL as on a full disk until the cap is lifted.
 */
let dir: string;
let store: Store;
let guard: StorageGuard;
let alerts: JobAlert[];
let log: string[];
let changed: number;
let recovered: number;
let held: { jobId: string; fires: HeldFire[] }[];
let probes: number;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T09:00:00Z') });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-guard-'));
  alerts = [];
  log = [];
  changed = 0;
  recovered = 0;
  held = [];
  probes = 0;
  const logger = {
    debug() {},
    info: (m: string) => void log.push(`info ${m}`),
    warn: (m: string) => void log.push(`warn ${m}`),
    error: (m: string) => void log.push(`error ${m}`),
  };
  guard = new StorageGuard({
    events: { emit: (name, payload) => void (name === 'job:alert' && alerts.push(payload as JobAlert)) },
    logger,
    dataDir: dir,
    probe: () => {
      probes += 1;
      store.probeWrite();
    },
    recordHeldFires: (jobId, fires) => {
      store.insertRuns(
        fires.map((f) => sampleRun({ job_id: jobId, state: 'skipped', reason: `held ${f.count}`, created_at: f.at })),
      );
      held.push({ jobId, fires: [...fires] });
    },
    changed: () => void (changed += 1),
    recovered: () => void (recovered += 1),
  });
  const file = path.join(dir, 'jobtray.db');
  store = openStore({ path: file, onWriteFailure: (error) => void guard.noteFailure(error, 'a write') });
  track({ name: `store ${file}`, isOpen: () => store.isOpen(), close: () => store.close() });
});

afterEach(() => {
  guard.close();
  store.close();
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

const big = (n: number) => Array.from({ length: n }, () => sampleRun({ reason: 'r'.repeat(500) }));

/** Caps the database at its size and makes one write fail: the guard is in its storage problem. */
function fillUp(): void {
  store.setPageLimit(store.pageCount());
  expect(() => store.insertRuns(big(100))).toThrow(expect.objectContaining({ code: 'storage_full' }) as Error);
}

describe('StorageGuard', () => {
  it('a failed store write starts the problem once: state, health, one alert naming the path and free space', () => {
    expect(guard.writable).toBe(true);
    fillUp();
    expect(() => store.insertRuns(big(100))).toThrow();
    const problem = guard.problem();
    expect(problem).toMatchObject({
      code: 'SQLITE_FULL',
      path: path.join(dir, 'jobtray.db'),
      since: Date.now(),
      dropped_log_lines: 0,
      held_fires: 0,
    });
    expect(problem?.message).toContain(`cannot write to ${path.join(dir, 'jobtray.db')}`);
    expect(typeof problem?.free_bytes).toBe('number');
    expect(guard.writable).toBe(false);
    expect(changed).toBe(1);
    expect(alerts.map((a) => [a.kind, a.job_id])).toEqual([['storage', null]]);
    expect(alerts[0]!.body).toContain(`cannot write to ${path.join(dir, 'jobtray.db')}`);
    expect(alerts[0]!.body).toMatch(/free\)/);
    expect(() => guard.assertWritable()).toThrow(
      expect.objectContaining({
        code: 'storage_full',
        message: expect.stringContaining(path.join(dir, 'jobtray.db')) as string,
      }) as Error,
    );
  });

  it('other errors are logged and start nothing', () => {
    expect(guard.noteFailure(new Error('boom'), 'something')).toBe(false);
    expect(guard.writable).toBe(true);
    expect(log).toEqual(['error something failed']);
    expect(alerts).toEqual([]);
  });

  it('probes after 2 s, then with backoff up to 5 s, while writing still fails', () => {
    fillUp();
    const at: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 6; i++) {
      const before = probes;
      vi.advanceTimersToNextTimer();
      expect(probes).toBe(before + 1);
      at.push(Date.now() - start);
    }
    expect(at).toEqual([PROBE_FIRST_MS, 5_000, 9_500, 14_500, 19_500, 24_500]);
    expect(at.at(-1)! - at.at(-2)!).toBe(PROBE_MAX_MS);
    expect(guard.writable).toBe(false);
    expect(alerts).toHaveLength(1);
  });

  it('deferred writes wait in order and run when space returns; then the problem ends by itself', () => {
    const run = store.insertRun(sampleRun({ state: 'running' }));
    fillUp();
    const order: string[] = [];
    guard.defer(
      'final state',
      () => store.updateRun(run.id, { state: 'succeeded', reason: 'x'.repeat(3000) }),
      (r) => order.push(`then ${r.state}`),
    );
    guard.defer(
      'audit',
      () => store.audit({ actor: 'cli', action: 'run:trigger' }),
      () => order.push('then audit'),
    );
    expect(order).toEqual([]);
    expect(store.getRun(run.id)?.state).toBe('running');
    vi.advanceTimersByTime(PROBE_FIRST_MS);
    expect(guard.writable).toBe(false);
    store.setPageLimit(null);
    vi.advanceTimersToNextTimer();
    expect(order).toEqual(['then succeeded', 'then audit']);
    expect(store.getRun(run.id)?.state).toBe('succeeded');
    expect(guard.writable).toBe(true);
    expect(guard.problem()).toBeNull();
    expect(recovered).toBe(1);
    expect(alerts.map((a) => a.kind)).toEqual(['storage', 'storage_recovered']);
    expect(alerts[1]!.body).toContain(`Writing to ${path.join(dir, 'jobtray.db')} works again after 5 s`);
    // No probe is left armed.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a write deferred while writing works is done at once', () => {
    let done = 0;
    guard.defer(
      'audit',
      () => store.audit({ actor: 'cli', action: 'x' }),
      () => (done += 1),
    );
    expect(done).toBe(1);
    expect(store.listAudit({})).toHaveLength(1);
  });

  it('held fires are counted, listed up to HELD_FIRES_LISTED per job, and recorded as skipped runs on recovery', () => {
    fillUp();
    const t0 = Date.now();
    for (let i = 0; i < HELD_FIRES_LISTED + 3; i++) guard.holdFire('every-second', t0 + i * 1000, 'schedule');
    guard.holdFire('nightly', t0, 'catch_up');
    expect(guard.problem()?.held_fires).toBe(HELD_FIRES_LISTED + 4);
    store.setPageLimit(null);
    expect(guard.probeNow()).toBe(true);
    expect(held.map((h) => [h.jobId, h.fires.length])).toEqual([
      ['every-second', HELD_FIRES_LISTED],
      ['nightly', 1],
    ]);
    const last = held[0]!.fires.at(-1)!;
    expect(last).toMatchObject({
      count: 4,
      at: t0 + (HELD_FIRES_LISTED - 1) * 1000,
      until: t0 + (HELD_FIRES_LISTED + 2) * 1000,
    });
    expect(held[0]!.fires.reduce((sum, f) => sum + f.count, 0)).toBe(HELD_FIRES_LISTED + 3);
    expect(held[1]!.fires[0]).toMatchObject({ trigger: 'catch_up', count: 1 });
    expect(held[0]!.fires[0]!.reason).toContain('disk full');
    expect(alerts[1]!.body).toContain(`${HELD_FIRES_LISTED + 4} scheduled runs were skipped`);
  });

  it('a pending write that fails again keeps the problem (no recovery alert) and everything after it waiting', () => {
    fillUp();
    const done: string[] = [];
    guard.defer(
      'small',
      () => store.setMeta('a', '1'),
      () => done.push('small'),
    );
    guard.defer(
      'large',
      () => store.setMeta('b', 'x'.repeat(200_000)),
      () => done.push('large'),
    );
    guard.defer(
      'after',
      () => store.setMeta('c', '1'),
      () => done.push('after'),
    );
    // Room for the probe and the small write, not the large one.
    store.setPageLimit(store.pageCount() + 20);
    expect(guard.probeNow()).toBe(false);
    expect(done).toEqual(['small']);
    expect(guard.writable).toBe(false);
    expect(alerts.map((a) => a.kind)).toEqual(['storage']);
    store.setPageLimit(null);
    expect(guard.probeNow()).toBe(true);
    expect(done).toEqual(['small', 'large', 'after']);
  });

  it('close tries the waiting writes once more and logs what could not be written', () => {
    fillUp();
    guard.defer('final state of run 7', () => store.setMeta('x', 'y'.repeat(200_000)));
    guard.close();
    expect(log.at(-1)).toMatch(/^error storage: 1 writes could not be done before closing \(final state of run 7\)/);
    expect(vi.getTimerCount()).toBe(0);
  });
});
