import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  JSON_LINE_OVERHEAD_CHARS,
  LOG_SEGMENT_CHARS,
  logSegmentEnd,
  logSegments,
  packLogLines,
  packedTransferList,
  unpackLogLines,
} from '../../contract/worker-protocol.js';
import type { LogLineInput } from '../../contract/model.js';

describe('packLogLines / unpackLogLines', () => {
  it('round-trips every field, in order, whatever the messages contain', () => {
    const lines: LogLineInput[] = [
      { ts: 1_700_000_000_123.5, stream: 'stdout', level: 'info', message: 'order 1 synced' },
      { ts: 1_700_000_000_124, stream: 'stderr', level: 'warn', message: '' },
      { ts: 1_700_000_000_125, stream: 'job', level: 'error', message: 'multi\nline\r\nstack\0with NUL' },
      { ts: 1_700_000_000_126, stream: 'progress', level: 'info', message: '40% Importing orders — émoji 🚀' },
      { ts: 1_700_000_000_127, stream: 'system', level: 'debug', message: 'x'.repeat(70_000) },
    ];
    const packed = packLogLines(lines);
    expect(unpackLogLines(packed)).toEqual(lines);
    expect(packLogLines([]).length).toHaveLength(0);
    expect(unpackLogLines(packLogLines([]))).toEqual([]);
  });

  it('survives postMessage with its buffers transferred', async () => {
    const lines: LogLineInput[] = Array.from({ length: 500 }, (_, i) => ({
      ts: i,
      stream: i % 2 ? 'stderr' : 'stdout',
      level: 'info',
      message: `line ${i}`,
    }));
    const packed = packLogLines(lines);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, packedTransferList(packed));
    expect(packed.ts.byteLength).toBe(0); // moved, not copied
    expect(unpackLogLines((await received) as typeof packed)).toEqual(lines);
    port1.close();
    port2.close();
  });
});

describe('logSegmentEnd', () => {
  const line = (length: number) => ({ message: 'x'.repeat(length) });

  it('ends a segment at maxLines while the characters fit', () => {
    const lines = Array.from({ length: 10 }, () => line(10));
    expect(logSegmentEnd(lines, 0, 4)).toBe(4);
    expect(logSegmentEnd(lines, 8, 4)).toBe(10);
    expect(logSegmentEnd(lines, 0)).toBe(10);
    expect(logSegmentEnd([], 0, 4)).toBe(0);
  });

  it('ends a segment before the line that would take it over LOG_SEGMENT_CHARS, counting messages alone', () => {
    const lines = Array.from({ length: 1_000 }, () => line(1_000));
    const end = logSegmentEnd(lines, 0, 500);
    expect(end).toBe(Math.floor(LOG_SEGMENT_CHARS / 1_000));
    // From any start, the same length.
    expect(logSegmentEnd(lines, end, 500)).toBe(2 * end);
  });

  it('counts `overhead` characters a line on top of its message (a run:log event in JSON)', () => {
    const lines = Array.from({ length: 1_000 }, () => line(1_000));
    expect(logSegmentEnd(lines, 0, Infinity, JSON_LINE_OVERHEAD_CHARS)).toBe(
      Math.floor(LOG_SEGMENT_CHARS / (1_000 + JSON_LINE_OVERHEAD_CHARS)),
    );
  });

  it('puts a line longer than LOG_SEGMENT_CHARS alone, never in no segment', () => {
    const lines = [line(10), line(2 * LOG_SEGMENT_CHARS), line(10)];
    expect(logSegmentEnd(lines, 0)).toBe(1);
    expect(logSegmentEnd(lines, 1)).toBe(2);
    expect(logSegmentEnd(lines, 2)).toBe(3);
  });

  it('logSegments: the array itself when it fits one segment; otherwise consecutive segments of every line, in order', () => {
    const few = [line(10), line(10)];
    expect(logSegments(few)[0]).toBe(few);
    expect(logSegments([])).toEqual([]);
    const many = Array.from({ length: 200 }, (_, i) => ({ message: `${i}`.padEnd(1_000, 'x') }));
    const segments = logSegments(many, JSON_LINE_OVERHEAD_CHARS);
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.flat()).toEqual(many);
    for (const segment of segments)
      expect(segment).toHaveLength(logSegmentEnd(segment, 0, Infinity, JSON_LINE_OVERHEAD_CHARS));
  });
});
