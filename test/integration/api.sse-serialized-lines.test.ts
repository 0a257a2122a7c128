import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../contract/model.js';
import { EventHub } from '../../main/api/sse.js';
import { EngineEvents } from '../../main/engine/events.js';
import { silentLogger } from '../../main/engine/logger.js';
import { runLogEvent, serializeLogLines } from '../../main/engine/serialized-log-lines.js';

/**
 * A `run:log` event whose lines came serialized from the thread that stored
 * them is streamed from those bytes, not from its lines: the stream must
 * carry exactly what it carries for the same event as a plain object, live
 * and when a client resumes.
 */

function lines(runId: number, count: number, text: (i: number) => string): LogLine[] {
  return Array.from({ length: count }, (_, i) => ({
    run_id: runId,
    seq: i + 1,
    ts: 1_700_000_000_000 + i,
    stream: 'stdout',
    level: 'info',
    message: text(i),
  }));
}

/** The events of an SSE body: each one's fields, in order. */
function parseEvents(body: string): { id: string; event: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}: `))!
          .slice(name.length + 2);
      return { id: field('id'), event: field('event'), data: field('data') };
    });
}

describe('event stream: run:log events whose lines came serialized', () => {
  it('streams the same bytes as the same event as a plain object, live and on resume, however large or non-ASCII', async () => {
    const events = new EngineEvents(silentLogger);
    const hub = new EventHub(events);
    const server = http.createServer((req, res) => {
      const query = Object.fromEntries(new URL(req.url!, 'http://x').searchParams);
      hub.attach(req, res, query);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/api/events?events=run:log`;
      const live = new AbortController();
      const liveResponse = await fetch(url, { signal: live.signal });

      const batches = [
        lines(7, 3, (i) => `line ${i}`),
        // Over the hub's threshold for holding an event as bytes, with multi-byte characters throughout.
        lines(7, 400, (i) => `${i} café 日本語 🚀 "quoted" \\ ${'x'.repeat(100)}`),
      ];
      const jobId = 'job "with" quotes';
      for (const batch of batches) {
        events.emit('run:log', { run_id: 7, job_id: jobId, lines: batch });
        events.emit('run:log', runLogEvent(7, jobId, serializeLogLines(batch)));
      }
      const streamed = parseEvents(await readEvents(liveResponse, 4));
      live.abort();
      const first = Number(streamed[0]?.id);
      expect(Number.isSafeInteger(first)).toBe(true);

      // A client resuming from before the first event gets the four again, from the ring.
      const resuming = new AbortController();
      const resumed = parseEvents(
        await readEvents(
          await fetch(url, { headers: { 'Last-Event-ID': String(first - 1) }, signal: resuming.signal }),
          4,
        ),
      );
      resuming.abort();

      for (const received of [streamed, resumed]) {
        expect(received.map((e) => e.event)).toEqual(['run:log', 'run:log', 'run:log', 'run:log']);
        expect(received.map((e) => Number(e.id))).toEqual([first, first + 1, first + 2, first + 3]);
        for (const [i, batch] of batches.entries()) {
          const expected = JSON.stringify({ run_id: 7, job_id: jobId, lines: batch });
          expect(received[2 * i]!.data).toBe(expected);
          expect(received[2 * i + 1]!.data).toBe(expected);
        }
      }
    } finally {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** Reads a stream until `count` events are in, whole. */
async function readEvents(response: Response, count: number): Promise<string> {
  const decoder = new TextDecoder();
  let body = '';
  for await (const chunk of response.body!) {
    body += decoder.decode(chunk as Uint8Array, { stream: true });
    if (parseEvents(body).length >= count && body.endsWith('\n\n')) return body;
  }
  throw new Error(`the stream ended after ${parseEvents(body).length} of ${count} events`);
}
