import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { EngineStreamEvent } from '../../main/cli/events.js';
import { followEvents } from '../../main/cli/events.js';
import { ApiClient } from '../../main/cli/client.js';
import { track } from '../helpers/open-handles.js';

/** A stand-in event stream: each connection is answered by the next script, with the request's headers. */
async function streamServer(scripts: ((req: http.IncomingMessage, res: http.ServerResponse) => void)[]) {
  const seen: http.IncomingHttpHeaders[] = [];
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    urls.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    scripts.shift()?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let open = true;
  const close = () =>
    new Promise<void>((resolve) => {
      open = false;
      server.closeAllConnections();
      server.close(() => resolve());
    });
  track({ name: 'fake event stream', isOpen: () => open, close });
  const client = new ApiClient({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: 't',
    tokenOrigin: 'given with --token',
  });
  return { client, seen, urls, close };
}

const progress = (id: number) =>
  `id: ${id}\nevent: run:progress\ndata: ${JSON.stringify({ run_id: 1, job_id: 'j', progress: id * 10, step: null })}\n\n`;

describe('followEvents', () => {
  it('resumes a dropped stream with Last-Event-ID and resyncs on connect and on stream:reset', async () => {
    const { client, seen, urls, close } = await streamServer([
      (_req, res) => {
        // The connection breaks mid-stream, once these events are sent.
        res.write(`retry: 2000\n\n${progress(1)}${progress(2)}`, () => res.destroy());
      },
      (_req, res) => res.write(`: ping\n\nid: 9\nevent: stream:reset\ndata: {}\n\n${progress(10)}`),
    ]);
    const events: EngineStreamEvent[] = [];
    let resyncs = 0;
    await followEvents(
      client,
      ['run:progress'],
      {
        resync: () => Promise.resolve(++resyncs > 99),
        event: (event) => {
          events.push(event);
          return Promise.resolve(event.id === 10);
        },
      },
      new AbortController().signal,
    );
    expect(events.map((e) => [e.id, e.name])).toEqual([
      [1, 'run:progress'],
      [2, 'run:progress'],
      [10, 'run:progress'],
    ]);
    // First connection, reconnection, and the reset.
    expect(resyncs).toBe(3);
    expect(seen[0]!['last-event-id']).toBeUndefined();
    expect(seen[1]!['last-event-id']).toBe('2');
    expect(seen[1]!.authorization).toBe('Bearer t');
    expect(urls[0]).toBe('/api/events?events=run%3Aprogress');
    await close();
  });

  it('stops when the signal aborts', async () => {
    const { client, close } = await streamServer([(_req, res) => res.write(progress(1))]);
    const controller = new AbortController();
    await followEvents(
      client,
      ['run:progress'],
      {
        resync: () => Promise.resolve(false),
        event: () => {
          controller.abort();
          return Promise.resolve(false);
        },
      },
      controller.signal,
    );
    await close();
  });
});
