import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine, LogLineInput, LogPage, LogQuery } from '../../contract/model.js';
import {
  KEPT_SYSTEM_LINES,
  LOG_FLUSH_LINES,
  LOG_FLUSH_MS,
  RunLogBuffer,
  type RunLogContext,
} from '../../main/engine/run-log-buffer.js';
import { classifyStorageError } from '../../main/engine/storage-errors.js';
import { serializeLogLines } from '../../main/engine/serialized-log-lines.js';
import { LOG_SEGMENT_CHARS, type WorkerToEngine } from '../../contract/worker-protocol.js';

const RUN_ID = 7;

/** What better-sqlite3 throws when the disk is full. */
function diskFull(): Error {
  return Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
}

/** A store that keeps what it is given in memory; `failWrites` makes the next writes throw as on a full disk. */
function fakeStore() {
  const store = {
    open: true,
    failWrites: 0,
    cap: 1_000_000,
    writes: [] as { runId: number; messages: string[]; cap: number }[],
    seq: 0,
    /** Every stored line, as getLogs reads them. */
    stored: [] as LogLine[],
    isOpen: () => store.open,
    appendLogs(runId: number, lines: readonly LogLineInput[], cap: number): LogLine[] {
      if (store.failWrites > 0) {
        store.failWrites -= 1;
        throw diskFull();
      }
      store.writes.push({ runId, messages: lines.map((l) => l.message), cap });
      const stored = lines.map((l) => ({ run_id: runId, seq: ++store.seq, ...l }));
      store.stored.push(...stored);
      return stored;
    },
    getLogs(runId: number, query: LogQuery): LogPage {
      const after = store.stored.filter((l) => l.run_id === runId && l.seq > (query.after ?? 0));
      return { lines: after.slice(0, query.limit ?? 500), next_after: null };
    },
  };
  return store;
}

/** The storage guard's side: whether writes are tried, the failures reported and the lines counted as dropped. */
function fakeStorage() {
  const storage = {
    writable: true,
    failures: [] as unknown[],
    dropped: 0,
    noteFailure(error: unknown): boolean {
      storage.failures.push(error);
      return classifyStorageError(error) !== null;
    },
    countDropped(lines: number) {
      storage.dropped += lines;
    },
    problem: () =>
      storage.failures.length > 0
        ? {
            code: 'SQLITE_FULL',
            path: '/data/jobtray.db',
            free_bytes: 0,
            since: 0,
            message: 'disk full',
            dropped_log_lines: 0,
            held_fires: 0,
          }
        : null,
  };
  return storage;
}

/** `listening`: what events.has('run:log') answers (absent: no such method, taken as someone listening). */
function setup(listening?: () => boolean) {
  const store = fakeStore();
  const storage = fakeStorage();
  const announced: { name: string; run_id: number; job_id: string; seqs: number[] }[] = [];
  const acks: number[] = [];
  const ctx: RunLogContext = {
    store,
    storage,
    events: {
      emit: (name, payload) => {
        const { run_id, job_id, lines } = payload as { run_id: number; job_id: string; lines: LogLine[] };
        announced.push({ name, run_id, job_id, seqs: lines.map((l) => l.seq) });
      },
      ...(listening ? { has: listening } : {}),
    },
    settings: () => ({ log_cap_per_run: store.cap }),
  };
  const buffer = new RunLogBuffer(ctx, RUN_ID, 'sync-orders');
  const worker = { acknowledgeLogs: (lines: number) => void acks.push(lines) };
  const acknowledged = () => acks.reduce((sum, n) => sum + n, 0);
  const written = () => store.writes.flatMap((w) => w.messages);
  return { store, storage, announced, acks, acknowledged, written, buffer, worker };
}

function lines(prefix: string, count: number): LogLineInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: 0,
    stream: 'stdout' as const,
    level: 'info' as const,
    message: `${prefix}${i}`,
  }));
}

const START = new Date('2026-03-01T09:00:00Z');

/** Fake timers from a fixed time for every test of the enclosing describe. */
function useFixedFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

describe('RunLogBuffer: batching', () => {
  useFixedFakeClock();

  it('never writes where a line arrives; a few lines go out together LOG_FLUSH_MS after the first', () => {
    const t = setup();
    t.buffer.add(lines('a', 1)[0]!);
    vi.advanceTimersByTime(LOG_FLUSH_MS - 5);
    t.buffer.addFromWorker(lines('w', 2));
    expect(t.store.writes).toHaveLength(0);
    vi.advanceTimersByTime(4);
    expect(t.store.writes).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(t.store.writes).toEqual([{ runId: RUN_ID, messages: ['a0', 'w0', 'w1'], cap: 1_000_000 }]);
    expect(t.announced).toEqual([{ name: 'run:log', run_id: RUN_ID, job_id: 'sync-orders', seqs: [1, 2, 3] }]);
  });

  it('a full batch is written on the next turn, one transaction of at most LOG_FLUSH_LINES per turn, in order', () => {
    const t = setup();
    t.buffer.addFromWorker(lines('w', 2 * LOG_FLUSH_LINES + 10));
    expect(t.store.writes).toHaveLength(0);
    vi.advanceTimersToNextTimer();
    expect(t.store.writes.map((w) => w.messages.length)).toEqual([LOG_FLUSH_LINES]);
    vi.advanceTimersToNextTimer();
    expect(t.store.writes.map((w) => w.messages.length)).toEqual([LOG_FLUSH_LINES, LOG_FLUSH_LINES]);
    // Both went out well before the flush timer would have fired.
    expect(Date.now() - START.getTime()).toBeLessThan(LOG_FLUSH_MS);
    // The rest is no full batch: it waits for the flush timer.
    vi.advanceTimersByTime(LOG_FLUSH_MS - 1);
    expect(t.store.writes).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.store.writes.map((w) => w.messages.length)).toEqual([LOG_FLUSH_LINES, LOG_FLUSH_LINES, 10]);
    expect(t.written()).toEqual(lines('w', 2 * LOG_FLUSH_LINES + 10).map((l) => l.message));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads the log cap for every batch and announces only what the store kept', () => {
    const t = setup();
    t.store.cap = 5;
    t.buffer.add(lines('a', 1)[0]!);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    t.store.cap = 9;
    t.store.appendLogs = (runId, batch, cap) => {
      t.store.writes.push({ runId, messages: batch.map((l) => l.message), cap });
      return [];
    };
    t.buffer.add(lines('b', 1)[0]!);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.store.writes.map((w) => w.cap)).toEqual([5, 9]);
    expect(t.announced.map((a) => a.seqs)).toEqual([[1]]);
  });

  it('announces a batch of long lines in several run:log events of about LOG_SEGMENT_CHARS, in order; a longer line alone', () => {
    const t = setup();
    const long = 'x'.repeat(400);
    const batch = [
      ...lines(long, 300),
      { ts: 0, stream: 'stdout' as const, level: 'info' as const, message: 'y'.repeat(3 * LOG_SEGMENT_CHARS) },
      ...lines('short', 3),
    ];
    t.buffer.addFromWorker(batch);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.store.writes).toHaveLength(1);
    const seqs = t.announced.map((a) => a.seqs);
    // Every stored line once, in order, over several events.
    expect(seqs.flat()).toEqual(Array.from({ length: 304 }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(2);
    // The long lines fill events up to the budget (~400 characters each, with the rest of a line's fields), then the rest of them.
    for (const event of seqs.slice(0, -3)) {
      expect(event.length * 400).toBeLessThanOrEqual(LOG_SEGMENT_CHARS);
      expect((event.length + 1) * (400 + 100)).toBeGreaterThan(LOG_SEGMENT_CHARS);
    }
    expect(seqs.at(-3)!.at(-1)).toBe(300);
    // The line longer than the budget goes alone, and the short ones after it together.
    expect(seqs.at(-2)).toEqual([301]);
    expect(seqs.at(-1)).toEqual([302, 303, 304]);
    expect(new Set(t.announced.map((a) => `${a.name} ${a.run_id} ${a.job_id}`))).toEqual(
      new Set([`run:log ${RUN_ID} sync-orders`]),
    );
  });

  it('flush() writes everything pending at once, in order, and cancels the timer (a log page is never behind)', () => {
    const t = setup();
    t.buffer.addFromWorker(lines('w', LOG_FLUSH_LINES + 1));
    t.buffer.add(lines('own', 1)[0]!);
    t.buffer.flush();
    expect(t.store.writes.map((w) => w.messages.length)).toEqual([LOG_FLUSH_LINES, 2]);
    expect(t.written().at(-1)).toBe('own0');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.store.writes).toHaveLength(2);
  });

  it('writes nothing once the store is closed', () => {
    const t = setup();
    t.buffer.addFromWorker(lines('w', 3));
    t.store.open = false;
    t.buffer.flush();
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.store.writes).toHaveLength(0);
  });
});

describe('RunLogBuffer: flow control (log window)', () => {
  useFixedFakeClock();

  it('acknowledges each batch of worker lines as it is written', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addFromWorker(lines('w', 2_500));
    vi.advanceTimersToNextTimer();
    expect(t.acks).toEqual([1_000]);
    vi.advanceTimersToNextTimer();
    expect(t.acks).toEqual([1_000, 1_000]);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.acks).toEqual([1_000, 1_000, 500]);
  });

  it("the engine's own lines never count; pending lines may be acknowledged late, never early", () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addFromWorker(lines('w', 500));
    for (const line of lines('own', 600)) t.buffer.add(line);
    t.buffer.addFromWorker(lines('x', 500));
    // First batch: 500 worker lines and 500 own lines. 600 lines stay pending, 500 of them the worker's,
    // so only 400 of the 500 stored worker lines can be told: late, not early.
    vi.advanceTimersToNextTimer();
    expect(t.acks).toEqual([400]);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    // Buffer empty: everything received is acknowledged, nothing of the engine's own.
    expect(t.acks).toEqual([400, 600]);
    expect(t.acknowledged()).toBe(1_000);
  });

  it('lines written before the worker is attached are acknowledged when it is', () => {
    const t = setup();
    t.buffer.addFromWorker(lines('w', 30));
    t.buffer.flush();
    t.buffer.addFromWorker(lines('x', 5));
    expect(t.acks).toEqual([]);
    t.buffer.attachWorker(t.worker);
    expect(t.acks).toEqual([30]);
    t.buffer.flush();
    expect(t.acks).toEqual([30, 5]);
  });

  it('a batch that cannot be written is dropped, counted and reported, never thrown; the worker is still acknowledged', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addFromWorker(lines('w', LOG_FLUSH_LINES + 3));
    t.store.failWrites = 1;
    t.buffer.flush();
    expect(t.storage.failures.map((e) => (e as Error).message)).toEqual(['database or disk is full']);
    expect(t.storage.dropped).toBe(LOG_FLUSH_LINES);
    // The failed batch left the buffer: it counts as acknowledged.
    expect(t.acknowledged()).toBe(LOG_FLUSH_LINES + 3);
    // The next write that works says first how many were dropped, and why.
    expect(t.written()).toEqual(['1,000 log lines dropped: disk full', 'w1000', 'w1001', 'w1002']);
    expect(t.announced.map((a) => a.seqs.length)).toEqual([4]);
  });

  it('drain cancels a pending timed write and resolves when the store write fails', async () => {
    const t = setup();
    t.buffer.addFromWorker(lines('w', 2));
    expect(vi.getTimerCount()).toBe(1);
    t.store.failWrites = 1;
    await t.buffer.drain();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.store.writes).toHaveLength(0);
    expect(t.storage.dropped).toBe(2);
  });

  it('while storage is not writable, batches are dropped without a try; memory holds none of them', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.storage.writable = false;
    t.storage.failures.push(diskFull());
    for (let i = 0; i < 5; i++) {
      t.buffer.addFromWorker(lines(`b${i}-`, 300));
      vi.advanceTimersByTime(LOG_FLUSH_MS);
    }
    expect(t.store.writes).toHaveLength(0);
    expect(t.storage.dropped).toBe(1_500);
    expect(t.acknowledged()).toBe(1_500);
    t.storage.writable = true;
    t.buffer.add({ ts: 0, stream: 'system', level: 'info', message: 'back' });
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.written()).toEqual(['1,500 log lines dropped: disk full', 'back']);
  });

  it("keeps the engine's own lines (up to KEPT_SYSTEM_LINES) while lines cannot be written, and writes them after the count", () => {
    const t = setup();
    t.storage.writable = false;
    t.storage.failures.push(diskFull());
    t.buffer.addFromWorker(lines('w', 3));
    t.buffer.add({ ts: 1, stream: 'system', level: 'error', message: 'artifact out.csv could not be stored' });
    for (let i = 0; i < KEPT_SYSTEM_LINES + 2; i++)
      t.buffer.add({ ts: 2, stream: 'system', level: 'warn', message: `s${i}` });
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.store.writes).toHaveLength(0);
    // 3 worker lines, and the engine's own past the ones kept.
    expect(t.storage.dropped).toBe(3 + 3);
    t.storage.writable = true;
    t.buffer.settle();
    const written = t.written();
    expect(written.slice(0, 3)).toEqual([
      '6 log lines dropped: disk full',
      'artifact out.csv could not be stored',
      's0',
    ]);
    expect(written).toHaveLength(1 + KEPT_SYSTEM_LINES);
  });

  it('settle writes the count of dropped lines even with nothing pending; a failure throws and keeps the lines for the next try', () => {
    const t = setup();
    t.store.failWrites = 1;
    t.buffer.addFromWorker(lines('w', 1));
    t.buffer.flush();
    expect(t.storage.dropped).toBe(1);
    t.buffer.add({ ts: 0, stream: 'system', level: 'error', message: 'exit code 1' });
    t.store.failWrites = 1;
    expect(() => t.buffer.settle()).toThrow('database or disk is full');
    expect(t.storage.dropped).toBe(1);
    t.buffer.settle();
    expect(t.written()).toEqual(['1 log line dropped: disk full', 'exit code 1']);
    // Nothing left: settling again writes nothing.
    t.buffer.settle();
    expect(t.store.writes).toHaveLength(1);
  });
});

describe('RunLogBuffer: drain', () => {
  it('writes the backlog one batch per turn of the event loop, then resolves with nothing pending', async () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addFromWorker(lines('w', 3 * LOG_FLUSH_LINES + 1));
    // Counts turns of the event loop while the drain runs.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turnsAtWrite: number[] = [];
    const append = t.store.appendLogs;
    t.store.appendLogs = (runId, batch, cap) => {
      turnsAtWrite.push(turns);
      return append(runId, batch, cap);
    };
    await t.buffer.drain();
    ticking = false;
    expect(t.store.writes.map((w) => w.messages.length)).toEqual([
      LOG_FLUSH_LINES,
      LOG_FLUSH_LINES,
      LOG_FLUSH_LINES,
      1,
    ]);
    for (let i = 1; i < turnsAtWrite.length; i++) expect(turnsAtWrite[i]).toBeGreaterThan(turnsAtWrite[i - 1]!);
    expect(t.acknowledged()).toBe(3 * LOG_FLUSH_LINES + 1);
  });
});

/** What the command supervisor reports for a batch it stored itself (WorkerToEngine `log_stored`). */
function storedBatch(
  store: ReturnType<typeof fakeStore>,
  prefix: string,
  count: number,
  withLines: boolean,
  posted = count,
): Extract<WorkerToEngine, { type: 'log_stored' }> {
  const stored = store.appendLogs(RUN_ID, lines(prefix, count), store.cap);
  return {
    type: 'log_stored',
    posted,
    count: stored.length,
    first_seq: stored[0]?.seq ?? 0,
    lines: withLines ? [serializeLogLines(stored)] : null,
  };
}

describe('RunLogBuffer: batches the command supervisor stored itself', () => {
  useFixedFakeClock();

  it('announces them one batch per turn of the event loop, and acknowledges each only once announced', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    const writes = t.store.writes.length;
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 500, true));
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'b', 500, true));
    // Nothing is written here again, nor announced or acknowledged where it arrives.
    expect(t.store.writes).toHaveLength(writes + 2);
    expect(t.announced).toEqual([]);
    expect(t.acknowledged()).toBe(0);
    vi.advanceTimersToNextTimer();
    expect(t.announced.map((a) => [a.seqs[0], a.seqs.at(-1)])).toEqual([[1, 500]]);
    expect(t.acknowledged()).toBe(500);
    vi.advanceTimersToNextTimer();
    expect(t.announced.map((a) => [a.seqs[0], a.seqs.at(-1)])).toEqual([
      [1, 500],
      [501, 1000],
    ]);
    expect(t.acknowledged()).toBe(1000);
    expect(t.store.writes).toHaveLength(writes + 2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with nobody listening, announces nothing and acknowledges at once', () => {
    const t = setup(() => false);
    t.buffer.attachWorker(t.worker);
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 300, false));
    expect(t.acknowledged()).toBe(300);
    expect(vi.getTimerCount()).toBe(0);
    expect(t.announced).toEqual([]);
  });

  it('reads back the lines of a batch stored without them when someone listens now', () => {
    const t = setup(() => true);
    t.buffer.attachWorker(t.worker);
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 10, false));
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'b', 5, false));
    vi.runAllTimers();
    expect(t.announced.map((a) => a.seqs)).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [11, 12, 13, 14, 15],
    ]);
    expect(t.acknowledged()).toBe(15);
  });

  it('counts the posted lines for the window, though the cap stored fewer', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    // 20 lines posted; the cap let 3 be stored, and its truncation marker.
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 4, true, 20));
    vi.runAllTimers();
    expect(t.announced.map((a) => a.seqs)).toEqual([[1, 2, 3, 4]]);
    expect(t.acknowledged()).toBe(20);
  });

  it("acknowledges them late while the engine's own lines or a worker's unwritten ones wait, never early", () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.store.failWrites = 0;
    t.buffer.addFromWorker(lines('w', 4));
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 6, true));
    vi.advanceTimersToNextTimer();
    // Announced, but the worker's 4 lines still wait to be written: only 6 of 10 received may be acknowledged.
    expect(t.acknowledged()).toBe(6);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(t.acknowledged()).toBe(10);
  });

  it('lines stored on the engine side after them are announced after them, never ahead', () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 3, true));
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'b', 3, true));
    // The supervisor could not store its next lines: they come as a plain batch, written here by a log page's flush().
    t.buffer.addFromWorker(lines('w', 2));
    t.buffer.flush();
    expect(t.announced.map((a) => a.seqs)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
    expect(t.acknowledged()).toBe(8);
  });

  it('drain() announces the batches still waiting first: an ended run announces its lines before its final state', async () => {
    const t = setup();
    t.buffer.attachWorker(t.worker);
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'a', 3, true));
    t.buffer.addStoredFromWorker(storedBatch(t.store, 'b', 3, true));
    await t.buffer.drain();
    expect(t.announced.map((a) => a.seqs)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.acknowledged()).toBe(6);
    expect(vi.getTimerCount()).toBe(0);
  });
});
