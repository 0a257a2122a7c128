import { describe, expect, it } from 'vitest';
import type { RunTrigger } from '../../contract/model.js';
import type { JobEntry } from '../../main/engine/job-registry.js';
import { silentLogger } from '../../main/engine/logger.js';
import { fireDueSlots, type SlotFiringContext } from '../../main/engine/slots.js';
import { jobDefinition } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-01-01T10:00:00.500Z');

/** A job firing every second whose last handled slot was one second ago: one slot is due now. */
function everySecond(): JobEntry {
  const since = NOW - 1_000;
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

function setup(opts: { writable: boolean; create?: () => void }) {
  const entry = everySecond();
  const created: RunTrigger[] = [];
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
    },
    logger: silentLogger,
  };
  return { entry, created, held, noted, ctx };
}

describe('fireDueSlots while writing fails', () => {
  it('writable: a due slot creates its run', () => {
    const t = setup({ writable: true });
    fireDueSlots(t.ctx, NOW);
    expect(t.created).toEqual(['schedule']);
    expect(t.held).toEqual([]);
  });

  it('not writable: the slot is handled (never fired twice) and the fire held, no run created', () => {
    const t = setup({ writable: false });
    fireDueSlots(t.ctx, NOW);
    expect(t.created).toEqual([]);
    expect(t.held).toEqual([['ticker', NOW, 'schedule']]);
    expect(t.entry.state).toMatchObject({ last_slot_at: NOW, last_fire_at: NOW });
    fireDueSlots(t.ctx, NOW);
    expect(t.held).toHaveLength(1);
  });

  it('a create that fails for lack of space holds the fire; any other failure is only logged', () => {
    const full = setup({
      writable: true,
      create: () => {
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    });
    fireDueSlots(full.ctx, NOW);
    expect(full.held).toEqual([['ticker', NOW, 'schedule']]);
    expect(full.noted).toHaveLength(1);
    const other = setup({
      writable: true,
      create: () => {
        throw new Error('bad params');
      },
    });
    fireDueSlots(other.ctx, NOW);
    expect(other.held).toEqual([]);
    expect(other.noted).toEqual([]);
  });
});
