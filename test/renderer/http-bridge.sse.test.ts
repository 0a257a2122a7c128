// @vitest-environment node
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BridgeError, type Bridge, type BridgeEvent, type ConnectionState } from '../../contract/bridge.js';
import type { InvalidParamsDetails } from '../../contract/params.js';
import { makeHttpBridge } from '../../renderer/src/bridge/http-bridge.js';
import { TEST_TOKEN, makeTestApi, startTrackedServer } from '../helpers/api.js';
import { eventually } from '../helpers/engine.js';
import { STATE_EVENT_NAMES } from '../../contract/events.js';
import { track } from '../helpers/open-handles.js';

/** The browser bridge over real HTTP on 127.0.0.1: SSE read with fetch, resumed with Last-Event-ID, reconnected with backoff. */

const FAST = { initialMs: 20, maxMs: 100 };

/** Resolves when `check` holds, re-checked on every connection change and event (no sleeps). */
function until(bridge: Bridge, check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const test = () => {
      if (!check()) return;
      clearTimeout(timer);
      stop();
      resolve();
    };
    // Every event but run:log: a handler of run:log would make the stream follow it.
    const offEvents = bridge.subscribe(STATE_EVENT_NAMES, test);
    const offState = bridge.onConnection(test);
    const offReset = bridge.onReset(test);
    const stop = () => {
      offEvents();
      offState();
      offReset();
    };
  });
}

function tracked(bridge: Bridge): Bridge {
  let open = true;
  track({
    name: 'http bridge',
    isOpen: () => open,
    close: () => {
      open = false;
      bridge.close();
    },
  });
  const close = bridge.close.bind(bridge);
  bridge.close = () => {
    open = false;
    close();
  };
  return bridge;
}

describe('HTTP + SSE bridge', () => {
  it('resumes with Last-Event-ID after the stream drops, and says when it is reconnecting', async () => {
    const requests: { url: string; auth: string | undefined; lastEventId: string | undefined }[] = [];
    const server = http.createServer((req, res) => {
      requests.push({
        url: req.url ?? '',
        auth: req.headers.authorization,
        lastEventId: req.headers['last-event-id'] as string | undefined,
      });
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      if (requests.length === 1) {
        res.write('id: 1\nevent: job:removed\ndata: {"job_id":"a"}\n\n');
        // One event split across two writes, then the stream drops.
        res.write('id: 2\nevent: job:rem');
        res.end('oved\ndata: {"job_id":"b"}\n\n');
      } else {
        res.write('id: 3\nevent: job:removed\ndata: {"job_id":"c"}\n\n');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;

    const bridge = tracked(makeHttpBridge({ baseUrl: `http://127.0.0.1:${port}`, token: 'tok-1', backoff: FAST }));
    const states: ConnectionState[] = [bridge.connection];
    bridge.onConnection((state) => states.push(state));
    const seen: string[] = [];
    bridge.subscribe(['job:removed'], (event) => seen.push(event.data.job_id));
    await until(bridge, () => seen.length === 3, 'three events over two connections');

    expect(seen).toEqual(['a', 'b', 'c']);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(requests.map((r) => r.lastEventId)).toEqual([undefined, '2']);
    // The token travels in the header, never in the URL; with no run:log handler, the stream asks for every other event.
    expect(requests.map((r) => r.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(new Set(requests.map((r) => r.url))).toEqual(new Set([`/api/events?events=${STATE_EVENT_NAMES.join(',')}`]));

    bridge.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('asks for its first calls when the stream opens (the first identical call takes the answer) and holds events until someone listens', async () => {
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url?.startsWith('/api/events')) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('id: 1\nevent: job:removed\ndata: {"job_id":"early"}\n\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jobs: [], n: asked.length }));
      server.emit('answered');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;

    const bridge = tracked(
      makeHttpBridge({
        baseUrl: `http://127.0.0.1:${port}`,
        token: 'tok',
        backoff: FAST,
        firstCalls: [['jobs:list', {}]],
      }),
    );
    // Nobody listens yet: the stream opens, the first call is asked for, the event waits.
    await once(server, 'answered');
    expect(asked).toEqual([`/api/events?events=${STATE_EVENT_NAMES.join(',')}`, '/api/jobs']);
    const seen: string[] = [];
    bridge.subscribe(['job:removed'], (event) => seen.push(event.data.job_id));
    await until(bridge, () => seen.length === 1, 'the held event');
    expect(seen).toEqual(['early']);

    const first = (await bridge.call('jobs:list', {})) as unknown as { n: number };
    expect(first.n).toBe(2);
    expect(asked).toHaveLength(2);
    const second = (await bridge.call('jobs:list', {})) as unknown as { n: number };
    expect(second.n).toBe(3);

    bridge.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('calls operations over HTTP, maps errors to BridgeError with details, and reloads after the server restarts (stream:reset)', async () => {
    const t = await makeTestApi({
      jobs: `
jobs:
  - id: quick
    command: [sh, -c, 'true']
    params:
      count: { type: integer, max: 3 }
`,
    });
    const bridge = tracked(makeHttpBridge({ baseUrl: t.server.url, token: TEST_TOKEN, backoff: FAST }));
    await until(bridge, () => bridge.connection === 'connected', 'the stream to open');
    const events: BridgeEvent[] = [];
    bridge.subscribe('*', (event) => events.push(event));

    const { jobs } = await bridge.call('jobs:list', {});
    expect(jobs.map((j) => j.id)).toEqual(['quick']);
    const { run_id } = await bridge.call('jobs:trigger', { id: 'quick', params: { count: 2 } });
    await until(
      bridge,
      () => events.some((e) => e.name === 'run:state' && e.data.id === run_id && e.data.state === 'succeeded'),
      'the run to succeed',
    );
    expect(t.engine.listAudit({ job_id: 'quick' })[0]).toMatchObject({ actor: 'ui', action: 'run:trigger' });

    const missing = await bridge.call('runs:get', { id: 999_999 }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BridgeError);
    expect(missing).toMatchObject({ code: 'not_found', message: 'run 999999 does not exist' });
    const bad = await bridge
      .call('jobs:trigger', { id: 'quick', params: { count: 9 } })
      .catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: 'invalid_params' });
    expect(((bad as BridgeError).details as InvalidParamsDetails).fields).toEqual({
      count: 'must be at most 3, got 9',
    });

    // The Local API restarts on the same port: the ids it held are gone, so the bridge is told to reload.
    const port = t.server.port;
    const resets: string[] = [];
    bridge.onReset((reason) => resets.push(reason));
    await t.server.close();
    await until(bridge, () => bridge.connection === 'reconnecting', 'the drop to be noticed');
    const again = await startTrackedServer({ engine: t.engine, token: TEST_TOKEN, port });
    await until(bridge, () => resets.length > 0, 'stream:reset');
    expect(resets[0]).toMatch(/server restarted/);
    expect(bridge.connection).toBe('connected');

    bridge.close();
    await again.close();
    await t.engine.close();
  });

  it('asks the host for run:log only while a handler wants it: the stream reopens, resumed, without a reconnecting state', async () => {
    const t = await makeTestApi({
      jobs: `
jobs:
  - id: lines
    command: [sh, -c, 'for i in 1 2 3; do echo "line $i"; done']
`,
      server: { sseLogGraceMs: 0 },
    });
    const bridge = tracked(makeHttpBridge({ baseUrl: t.server.url, token: TEST_TOKEN, backoff: FAST }));
    const states: ConnectionState[] = [];
    bridge.onConnection((state) => states.push(state));
    const ended: number[] = [];
    bridge.subscribe(['run:state'], ({ data }) => {
      if (data.state === 'succeeded') ended.push(data.id);
    });
    await eventually(() => bridge.connection === 'connected', 'the stream to open');

    // No run:log handler: the host's stream does not follow run:log at all.
    const first = await bridge.call('jobs:trigger', { id: 'lines', params: {} });
    await eventually(() => ended.includes(first.run_id), 'the first run to end');
    expect(t.engine.events.has('run:log')).toBe(false);

    const printed: string[] = [];
    const stop = bridge.subscribe(['run:log'], ({ data }) => {
      for (const line of data.lines) if (line.stream === 'stdout') printed.push(`${data.run_id} ${line.message}`);
    });
    await eventually(() => t.engine.events.has('run:log'), 'the host to follow run:log');
    const second = await bridge.call('jobs:trigger', { id: 'lines', params: {} });
    await eventually(() => ended.includes(second.run_id), 'the second run to end');
    expect(printed).toEqual([1, 2, 3].map((i) => `${second.run_id} line ${i}`));

    stop();
    await eventually(() => !t.engine.events.has('run:log'), 'the host to stop following run:log');
    // Reopened twice, resumed each time: each run's end came once, and the connection never looked lost.
    expect(ended).toEqual([first.run_id, second.run_id]);
    expect(states).toEqual(['connected']);
    expect(t.server.streamClients).toBe(1);

    bridge.close();
    await t.close();
  });

  it('stops for good when the token is refused', async () => {
    const t = await makeTestApi({ jobs: 'jobs: []\n' });
    const bridge = tracked(makeHttpBridge({ baseUrl: t.server.url, token: 'wrong', backoff: FAST }));
    await until(bridge, () => bridge.connection === 'unauthorized', 'the refusal');
    await expect(bridge.call('health:get', {})).rejects.toMatchObject({ code: 'unauthorized' });
    expect(t.server.streamClients).toBe(0);
    bridge.close();
    await t.close();
  });
});
