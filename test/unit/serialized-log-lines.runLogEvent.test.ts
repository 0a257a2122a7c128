import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../contract/model.js';
import { serializedTransferList } from '../../contract/worker-protocol.js';
import {
  parseLogLines,
  runLogEvent,
  serializedLinesOf,
  serializeLogLines,
} from '../../main/engine/serialized-log-lines.js';

const RUN_ID = 12;
const JOB_ID = 'sync-orders';

function storedLines(messages: string[]): LogLine[] {
  return messages.map((message, i) => ({
    run_id: RUN_ID,
    seq: i + 1,
    ts: 1_700_000_000_000 + i,
    stream: i % 2 ? 'stderr' : 'stdout',
    level: i % 2 ? 'warn' : 'info',
    message,
  }));
}

const AWKWARD = [
  'order 1 synced',
  '',
  'quote " backslash \\ tab \t newline \n CR \r NUL \0',
  'accents: café, Größe — and CJK: 日本語のログ',
  'astral: 🚀🧾 and a lone surrogate \ud800 here',
  'x'.repeat(70_000),
];

describe('serializeLogLines / parseLogLines', () => {
  it('round-trips every field of every line, whatever the messages contain, as UTF-8 JSON', () => {
    const lines = storedLines(AWKWARD);
    const bytes = serializeLogLines(lines);
    expect(parseLogLines(bytes)).toEqual(lines);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toBe(JSON.stringify(lines));
    expect(parseLogLines(serializeLogLines([]))).toEqual([]);
  });

  it('gives every segment a buffer of its own, however small, so transferring it moves nothing else', () => {
    for (const lines of [storedLines(['a']), storedLines(['é']), storedLines(AWKWARD)]) {
      const bytes = serializeLogLines(lines);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
    // Two small ones never share one (Buffer's pool would).
    expect(serializeLogLines(storedLines(['a'])).buffer).not.toBe(serializeLogLines(storedLines(['b'])).buffer);
  });

  it('survives postMessage with its buffers transferred', async () => {
    const segments = [serializeLogLines(storedLines(['one', 'two'])), serializeLogLines(storedLines(AWKWARD))];
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
    port1.postMessage(segments, serializedTransferList(segments));
    expect(segments[0]!.byteLength).toBe(0); // moved, not copied
    const [first, second] = (await received) as Uint8Array[];
    expect(parseLogLines(first!)).toEqual(storedLines(['one', 'two']));
    expect(parseLogLines(second!)).toEqual(storedLines(AWKWARD));
    port1.close();
    port2.close();
  });
});

describe('runLogEvent', () => {
  const lines = storedLines(AWKWARD);
  const plain = { run_id: RUN_ID, job_id: JOB_ID, lines };

  it('reads like a plain run:log event: its fields, JSON, structured clone and a spread', () => {
    const event = runLogEvent(RUN_ID, JOB_ID, serializeLogLines(lines));
    expect(Object.keys(event)).toEqual(['run_id', 'job_id', 'lines']);
    expect(event.lines).toEqual(lines);
    expect(JSON.stringify(event)).toBe(JSON.stringify(plain));
    expect(structuredClone(event)).toEqual(plain);
    expect({ ...event }).toEqual(plain);
  });

  it('parses its lines only when they are first read, then keeps them', () => {
    // Bytes that are no JSON: making the event does not touch them; reading its lines does.
    const broken = runLogEvent(RUN_ID, JOB_ID, new Uint8Array([0x5b, 0x7b]));
    expect(broken.run_id).toBe(RUN_ID);
    expect(() => broken.lines).toThrow(SyntaxError);

    const event = runLogEvent(RUN_ID, JOB_ID, serializeLogLines(lines));
    expect(event.lines).toBe(event.lines);
  });

  it('serializedLinesOf: the bytes of an event made by runLogEvent, null for any other', () => {
    const bytes = serializeLogLines(lines);
    expect(serializedLinesOf(runLogEvent(RUN_ID, JOB_ID, bytes))).toBe(bytes);
    expect(serializedLinesOf(plain)).toBeNull();
    // A copy of the event is a plain event: it carries its lines, not the bytes.
    expect(serializedLinesOf({ ...runLogEvent(RUN_ID, JOB_ID, bytes) })).toBeNull();
  });
});
