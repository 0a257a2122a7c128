import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../contract/api.js';
import type { RunRecord } from '../../contract/model.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../main/api/connections.js';
import { makeTestApi, openEventStream, request } from '../helpers/api.js';
import { eventually } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: tick
    command: [sh, -c, 'echo tick']
    schedule: { every: 1s }
`;

/** A small cap keeps the test's own descriptors bounded (2 per connection in this process) whatever `ulimit -n` is. */
const CAP = 100;
const HEADERS_TIMEOUT_MS = 5_000;

interface SilentSocket {
  /** Bytes the server sent (a silent connection gets none). */
  received: () => number;
  closed: Promise<void>;
  destroy(): void;
}

/** A loopback connection that never sends a byte. */
function silentConnection(port: number): SilentSocket {
  const socket = net.connect(port, '127.0.0.1');
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  // A refused connection is reset: that is its expected end, not a failure.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { received: () => received, closed, destroy: () => socket.destroy() };
}

/** Resolves when every promise settled, or rejects naming `what` after `timeoutMs`. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('Local API connection limits', () => {
  it('the defaults close a silent or partial connection within seconds and cap connections well below a usual descriptor limit', () => {
    expect(DEFAULT_CONNECTION_LIMITS).toEqual({
      maxConnections: 512,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it('refuses connections beyond the cap, closes silent ones within seconds; health then answers and scheduled runs go on', async () => {
    const t = await makeTestApi({
      jobs: JOBS,
      server: { limits: { maxConnections: CAP, headersTimeoutMs: HEADERS_TIMEOUT_MS } },
    });
    const sockets: SilentSocket[] = [];
    try {
      for (let i = 0; i < CAP; i++) sockets.push(silentConnection(t.server.port));
      await eventually(() => t.server.connections.open === CAP, `the server to hold ${CAP} connections`);
      const full = Date.now();
      for (let i = 0; i < 100; i++) sockets.push(silentConnection(t.server.port));
      await eventually(
        () => t.server.connections.refused === 100,
        'the server to refuse the 100 connections beyond its cap',
      );
      expect(t.server.connections.open).toBe(CAP);

      // A scheduled run still starts and succeeds while the house is full: the cap left the engine its descriptors.
      const run = await t.engine.events.waitFor(
        'run:state',
        (r: RunRecord) => r.trigger === 'schedule' && r.state === 'succeeded' && r.created_at >= full,
      );
      expect(run.job_id).toBe('tick');

      // Every connection ends without an answer: the refused ones at once, the silent ones after the headers timeout.
      await within(
        Promise.all(sockets.map((s) => s.closed)),
        HEADERS_TIMEOUT_MS + 10_000,
        'the server closing every silent connection',
      );
      expect(sockets.map((s) => s.received()).filter((bytes) => bytes > 0)).toEqual([]);
      expect(Date.now() - full).toBeLessThan(HEADERS_TIMEOUT_MS + 10_000);

      const health = await t.api('GET', '/api/health');
      expect(health.status).toBe(200);
      const metrics = await t.api('GET', '/metrics');
      expect(metrics.text).toContain('jobtray_api_connections_refused_total 100\n');
    } finally {
      for (const socket of sockets) socket.destroy();
      await t.close();
    }
  });

  it('answers a partial request head with 408 and closes a connection after a rejected token', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { limits: { headersTimeoutMs: 1_000 } } });
    const started = Date.now();
    const partial = net.connect(t.server.port, '127.0.0.1', () =>
      partial.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${t.server.port}\r\n`),
    );
    let answer = '';
    partial.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await within(new Promise((resolve) => partial.once('close', resolve)), 10_000, 'the partial request being closed');
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(Date.now() - started).toBeLessThan(10_000);

    const rejected = await request(t.server.port, 'GET', '/api/health', {
      token: 'wrong',
      headers: { Connection: 'keep-alive' },
    });
    expect(rejected.status).toBe(401);
    expect(rejected.headers.connection).toBe('close');
    await t.close();
  });

  it('refuses an event stream beyond the SSE cap with 503 and a message that says what to do', async () => {
    const t = await makeTestApi({ jobs: JOBS, server: { sseMaxClients: 2 } });
    const first = await openEventStream(t.server.port);
    const second = await openEventStream(t.server.port);
    const third = await openEventStream(t.server.port);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 503]);
    await third.ended;
    const body = JSON.parse(third.raw()) as ApiErrorBody;
    expect(body.error).toEqual({
      code: 'unavailable',
      message:
        'too many event streams: 2 are open, the limit of this Jobtray; close one (each dashboard tab, "jobtray logs --follow" and "jobtray events" holds one) and retry',
    });
    first.close();
    await eventually(() => t.server.streamClients === 1, 'the closed stream to be detached');
    const again = await openEventStream(t.server.port);
    expect(again.status).toBe(200);
    for (const stream of [second, again]) stream.close();
    await t.close();
  });
});
