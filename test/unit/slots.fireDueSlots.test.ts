import { describe, expect, it } from 'vitest';
import type { RunTrigger } from '../../contract/model.js';
import type { JobEntry } from '../../main/engine/job-registry.js';
import { silentLogger } from '../../main/engine/logger.js';
import { fireDueSlots, type SlotFiringContext } from '../../main/engine/slots.js';
import { jobDefinition } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-01-01T10:00:00.500Z');

/** A job firing every second whose last handled slot was one second ago: one slot is due now. */
function everySecond(since = NOW - 1_000): JobEntry {
  return {
    id: 'ticker',
    fileDef: jobDefinition({ id: 'ticker', schedule: { kind: 'every', every: '1s', every_ms: 1_000 } }),
    errors: [],
    state: {
      job_id: 'ticker',
      enabled_override: null,
      schedule_override: null,
      last_fire_at: null,
      next_fire_at: null,
      last_slot_at: since,
      first_seen_at: since,
      updated_at: since,
    },
    scheduledSince: since,
    lastRun: null,
    lastFinished: null,
    health: 'ok',
    settled: undefined,
    view: '',
  };
}

/** Since when the engine is up in these tests, unless a test says otherwise: long before any slot. */
const UP_SINCE = NOW - 3_600_000;

function setup(opts: { writable: boolean; create?: () => void; since?: number }) {
  const entry = everySecond(opts.since);
  const created: RunTrigger[] = [];
  const missed: string[] = [];
  const held: [string, number, RunTrigger][] = [];
  const noted: unknown[] = [];
  const ctx: SlotFiringContext = {
    storage: {
      writable: opts.writable,
      noteFailure: (error) => {
        noted.push(error);
        return true;
      },
      holdFire: (jobId, at, trigger) => void held.push([jobId, at, trigger]),
    },
    jobs: {
      values: () => [entry][Symbol.iterator](),
      refreshNextFire: () => {},
      keepState: (e, patch) => void (e.state = { ...e.state, ...patch }),
    },
    runs: {
      create: (_entry, _def, o) => {
        opts.create?.();
        created.push(o.trigger);
        return null as never;
      },
      recordMissed: (jobId, reason) => void missed.push(`${jobId}: ${reason}`),
    },
    logger: silentLogger,
  };
  return { entry, created, held, noted, missed, ctx };
}

describe('fireDueSlots while writing fails', () => {
  it('writable: a due slot on time creates its run, nothing missed', () => {
    const t = setup({ writable: true });
    fireDueSlots(t.ctx, NOW, UP_SINCE);
    expect(t.created).toEqual(['schedule']);
    expect(t.held).toEqual([]);
    expect(t.missed).toEqual([]);
  });

  it('not writable: the slot is handled (never fired twice) and the fire held, no run created', () => {
    const t = setup({ writable: false });
    fireDueSlots(t.ctx, NOW, UP_SINCE);
    expect(t.created).toEqual([]);
    expect(t.held).toEqual([['ticker', NOW, 'schedule']]);
    expect(t.entry.state).toMatchObject({ last_slot_at: NOW, last_fire_at: NOW });
    fireDueSlots(t.ctx, NOW, UP_SINCE);
    expect(t.held).toHaveLength(1);
  });

  it('a create that fails for lack of space holds the fire; any other failure is only logged', () => {
    const full = setup({
      writable: true,
      create: () => {
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    });
    fireDueSlots(full.ctx, NOW, UP_SINCE);
    expect(full.held).toEqual([['ticker', NOW, 'schedule']]);
    expect(full.noted).toHaveLength(1);
    const other = setup({
      writable: true,
      create: () => {
        throw new Error('bad params');
      },
    });
    fireDueSlots(other.ctx, NOW, UP_SINCE);
    expect(other.held).toEqual([]);
    expect(other.noted).toEqual([]);
  });
});

describe('fireDueSlots accounts for every slot', () => {
  it('the engine was up but fired late: the newest slot runs on time, the earlier ones are one skipped run', () => {
    const t = setup({ writable: true, since: NOW - 3_000 });
    fireDueSlots(t.ctx, NOW, UP_SINCE);
    expect(t.created).toEqual(['schedule']);
    expect(t.missed).toEqual([
      'ticker: missed 2 scheduled runs from 2026-01-01T09:59:58.500Z to 2026-01-01T09:59:59.500Z: ' +
        'Jobtray fired late (2s after the slot: the host was busy or the computer slept); the run for the newest slot started on time',
    ]);
    expect(t.entry.state.last_slot_at).toBe(NOW);
  });

  it('slots while the engine was down, catch_up: skip: no run, all of them one skipped run', () => {
    const t = setup({ writable: true, since: NOW - 3_000 });
    fireDueSlots(t.ctx, NOW, NOW - 100);
    expect(t.created).toEqual([]);
    expect(t.missed).toEqual([
      'ticker: missed 3 scheduled runs from 2026-01-01T09:59:58.500Z to 2026-01-01T10:00:00.500Z: ' +
        'Jobtray was not running or the computer was asleep; let go (catch_up: skip)',
    ]);
  });

  it('slots while the engine was down, catch_up: once: one catch-up run, the earlier slots one skipped run', () => {
    const t = setup({ writable: true, since: NOW - 3_000 });
    t.entry.fileDef = { ...t.entry.fileDef!, catch_up: 'once' };
    fireDueSlots(t.ctx, NOW, NOW - 100);
    expect(t.created).toEqual(['catch_up']);
    expect(t.missed).toEqual([
      'ticker: missed 2 scheduled runs from 2026-01-01T09:59:58.500Z to 2026-01-01T09:59:59.500Z: ' +
        'Jobtray was not running or the computer was asleep; caught up by one run now (catch_up: once)',
    ]);
  });

  it('while writing fails, missed slots are only logged (the fire itself is held)', () => {
    const t = setup({ writable: false, since: NOW - 3_000 });
    fireDueSlots(t.ctx, NOW, UP_SINCE);
    expect(t.missed).toEqual([]);
    expect(t.held).toEqual([['ticker', NOW, 'schedule']]);
  });
});
