import { beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../contract/model.js';
import type { LogLineInput } from '../../contract/model.js';
import { useTempStore, sampleRun } from '../helpers/temp-store.js';

const temp = useTempStore();
let runId: number;

const BIG_CAP = 1_000_000;

function lines(count: number, from = 0, make: (n: number) => Partial<LogLineInput> = () => ({})): LogLineInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: 1_700_000_000_000 + from + i,
    stream: 'stdout' as const,
    level: 'info' as const,
    message: `line ${from + i}`,
    ...make(from + i),
  }));
}

/** Every stored line of the run, read page by page. */
function readAll(id: number, limit: number): LogLine[] {
  const all: LogLine[] = [];
  let after = 0;
  for (;;) {
    const page = temp.store.getLogs(id, { after, limit });
    all.push(...page.lines);
    if (page.next_after === null) return all;
    after = page.next_after;
  }
}

beforeEach(() => {
  runId = temp.store.insertRun(sampleRun({ state: 'running' })).id;
});

describe('store.appendLogs', () => {
  it('numbers lines 1.. without gaps across many batches and returns what it stored', () => {
    let next = 0;
    for (let batch = 0; batch < 40; batch += 1) {
      const size = (batch * 7) % 23;
      const stored = temp.store.appendLogs(runId, lines(size, next), BIG_CAP);
      expect(stored.map((l) => l.seq)).toEqual(Array.from({ length: size }, (_, i) => next + i + 1));
      expect(stored.every((l) => l.run_id === runId)).toBe(true);
      next += size;
    }
    const all = readAll(runId, 37);
    expect(all.map((l) => l.seq)).toEqual(Array.from({ length: next }, (_, i) => i + 1));
    expect(all.map((l) => l.message)).toEqual(Array.from({ length: next }, (_, i) => `line ${i}`));
    expect(temp.store.getRun(runId)).toMatchObject({ log_count: next, log_truncated: false });
  });

  it('stores up to the cap, then one truncation marker, then only counts', () => {
    expect(temp.store.appendLogs(runId, lines(7), 10)).toHaveLength(7);
    const second = temp.store.appendLogs(runId, lines(7, 7), 10);
    expect(second.map((l) => l.seq)).toEqual([8, 9, 10, 11]);
    expect(second.slice(0, 3).map((l) => l.message)).toEqual(['line 7', 'line 8', 'line 9']);
    expect(second[3]).toEqual<LogLine>({
      run_id: runId,
      seq: 11,
      ts: 1_700_000_000_010,
      stream: 'system',
      level: 'warn',
      message: 'log truncated: more than 10 lines; further lines are not stored',
    });
    expect(temp.store.appendLogs(runId, lines(5, 14), 10)).toEqual([]);

    expect(temp.store.getRun(runId)).toMatchObject({ log_count: 19, log_truncated: true });
    const stored = readAll(runId, 100);
    expect(stored).toHaveLength(11);
    expect(stored.filter((l) => l.message.startsWith('log truncated'))).toHaveLength(1);
  });

  it('truncates at once when the cap was lowered below what is stored', () => {
    temp.store.appendLogs(runId, lines(5), 100);
    const stored = temp.store.appendLogs(runId, lines(3, 5), 3);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      seq: 6,
      stream: 'system',
      message: expect.stringContaining('more than 3 lines'),
    });
    expect(temp.store.getRun(runId)).toMatchObject({ log_count: 8, log_truncated: true });
  });

  it('writes a batch in one transaction: a bad line stores nothing of its batch', () => {
    temp.store.appendLogs(runId, lines(3), BIG_CAP);
    const bad = lines(4, 3);
    // A value SQLite cannot bind makes the 3rd insert of the batch fail.
    bad[2] = { ...bad[2]!, message: { not: 'a string' } as unknown as string };
    expect(() => temp.store.appendLogs(runId, bad, BIG_CAP)).toThrow();
    expect(temp.store.getRun(runId)).toMatchObject({ log_count: 3, log_truncated: false });
    expect(readAll(runId, 10)).toHaveLength(3);
  });

  it('refuses an unknown run and a bad cap', () => {
    expect(() => temp.store.appendLogs(999, lines(1), 10)).toThrow(
      expect.objectContaining({ code: 'not_found', message: expect.stringContaining('run 999') }),
    );
    expect(() => temp.store.appendLogs(runId, lines(1), 0)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it('stores 100k lines in batches of 500, capped at the default 50,000', () => {
    const cappedRun = runId;
    const fullRun = temp.store.insertRun(sampleRun()).id;
    let storedCapped = 0;
    let storedFull = 0;
    for (let from = 0; from < 100_000; from += 500) {
      const batch = lines(500, from);
      storedCapped += temp.store.appendLogs(cappedRun, batch, 50_000).length;
      storedFull += temp.store.appendLogs(fullRun, batch, BIG_CAP).length;
    }
    expect(storedCapped).toBe(50_001);
    expect(storedFull).toBe(100_000);
    expect(temp.store.getRun(cappedRun)).toMatchObject({ log_count: 100_000, log_truncated: true });
    expect(temp.store.getRun(fullRun)).toMatchObject({ log_count: 100_000, log_truncated: false });

    const tail = temp.store.getLogs(cappedRun, { after: 49_998 });
    expect(tail.lines.map((l) => l.seq)).toEqual([49_999, 50_000, 50_001]);
    expect(tail.lines[2]?.message).toBe('log truncated: more than 50000 lines; further lines are not stored');
    expect(tail.next_after).toBeNull();
    const fullTail = temp.store.getLogs(fullRun, { after: 99_999 });
    expect(fullTail.lines).toEqual([expect.objectContaining({ seq: 100_000, message: 'line 99999' })]);
  });
});

describe('store.getLogs', () => {
  beforeEach(() => {
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    temp.store.appendLogs(
      runId,
      lines(40, 0, (n) => ({
        level: levels[n % 4]!,
        stream: n % 2 === 0 ? 'stdout' : 'stderr',
        message: n % 5 === 0 ? `Order ${n}: 100% SYNCED_ok` : `order ${n} pending`,
      })),
      BIG_CAP,
    );
  });

  it('pages with after/limit and says when no more lines exist', () => {
    const first = temp.store.getLogs(runId, { limit: 15 });
    expect(first.lines.map((l) => l.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(first.next_after).toBe(15);
    const last = temp.store.getLogs(runId, { after: 30, limit: 15 });
    expect(last.lines.map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
    expect(last.next_after).toBeNull();
    expect(temp.store.getLogs(runId, { after: 40 })).toEqual({ lines: [], next_after: null });
    // Default page is 500: all 40 lines.
    expect(temp.store.getLogs(runId, {}).lines).toHaveLength(40);
  });

  it('keeps the given level and above', () => {
    const levels = (level: 'debug' | 'info' | 'warn' | 'error') =>
      new Set(temp.store.getLogs(runId, { level }).lines.map((l) => l.level));
    expect(levels('debug')).toEqual(new Set(['debug', 'info', 'warn', 'error']));
    expect(levels('info')).toEqual(new Set(['info', 'warn', 'error']));
    expect(levels('warn')).toEqual(new Set(['warn', 'error']));
    expect(levels('error')).toEqual(new Set(['error']));
    expect(temp.store.getLogs(runId, { level: 'warn' }).lines).toHaveLength(20);
  });

  it('searches case-insensitively for a substring, wildcards taken literally', () => {
    const seqs = (q: string, extra: { level?: 'error'; limit?: number; after?: number } = {}) =>
      temp.store.getLogs(runId, { q, ...extra }).lines.map((l) => l.seq);
    const synced = [1, 6, 11, 16, 21, 26, 31, 36];
    expect(seqs('synced')).toEqual(synced);
    expect(seqs('ORDER 1')).toEqual([2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(seqs('0% s')).toEqual(synced);
    expect(seqs('D_OK')).toEqual(synced);
    expect(seqs('%')).toEqual(synced);
    expect(seqs('_')).toEqual(synced);
    expect(seqs('synced', { level: 'error' })).toEqual([16, 36]);
    const page = temp.store.getLogs(runId, { q: 'synced', limit: 3, after: 6 });
    expect(page.lines.map((l) => l.seq)).toEqual([11, 16, 21]);
    expect(page.next_after).toBe(21);
  });

  it('caps the page at 5000 and refuses bad input', () => {
    temp.store.appendLogs(runId, lines(6000, 40), BIG_CAP);
    expect(temp.store.getLogs(runId, { limit: 100_000 }).lines).toHaveLength(5000);
    expect(() => temp.store.getLogs(runId, { limit: -1 })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => temp.store.getLogs(runId, { level: 'loud' as 'info' })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('"loud"') }),
    );
    expect(() => temp.store.getLogs(424242, {})).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
