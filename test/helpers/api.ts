import http from 'node:http';
import type { Engine } from '../../main/engine/engine.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../main/api/server.js';
import { sendTestWebhook } from '../../main/notify/webhooks.js';
import { makeTestEngine, type TestEngineOptions } from './engine.js';
import { track } from './open-handles.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: T;
}

export interface RequestOptions {
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Extra headers; one given as '' is left out. */
  headers?: Record<string, string>;
  /** Bearer token; `null` sends no Authorization header. Default: the server's. */
  token?: string | null;
}

export interface TestApi {
  engine: Engine;
  dataDir: string;
  jobsFile: string;
  server: ApiServer;
  api<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Closes the server, then the engine. */
  close(): Promise<void>;
}

/** A real engine (temp data dir) behind a real Local API on 127.0.0.1, both registered with the leak check. */
export async function makeTestApi(opts: TestEngineOptions & { server?: Partial<ApiServerOptions> }): Promise<TestApi> {
  const { engine, dataDir, jobsFile } = await makeTestEngine(opts);
  const server = await startTrackedServer({ engine, token: TEST_TOKEN, port: 0, ...opts.server });
  return {
    engine,
    dataDir,
    jobsFile,
    server,
    api: (method, path, options) => request(server.port, method, path, options),
    async close() {
      await server.close();
      await engine.close();
    },
  };
}

export async function startTrackedServer(options: ApiServerOptions): Promise<ApiServer> {
  const server = await startApiServer({ services: { testWebhook: sendTestWebhook }, ...options });
  track({ name: `api server ${server.url}`, isOpen: () => !server.isClosed, close: () => server.close() });
  return server;
}

/**
 * One raw HTTP request (node:http, no connection reuse, no URL normalization:
 * `..` and odd bytes in `path` reach the server as written).
 */
export function request<T = unknown>(
  port: number,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const { body, token = TEST_TOKEN } = options;
  const payload =
    body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    ...(token !== null ? { Authorization: `Bearer ${token}` } : {}),
    ...(payload !== undefined
      ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }
      : {}),
    ...options.headers,
  };
  // A header given as '' is left out (e.g. Content-Length, for a chunked body).
  for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Every response header whose name starts with `access-control-` (there must be none). */
export function corsHeaders(headers: http.IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter((name) => name.toLowerCase().startsWith('access-control-'));
}

export interface StreamMessage {
  id: number | null;
  event: string;
  data: unknown;
}

export interface EventStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Messages received so far, in order (comments and `retry:` excluded). */
  messages: StreamMessage[];
  /** Everything received, raw. */
  raw(): string;
  /** Resolves with the first message (already received or future) matching the predicate. */
  waitFor(predicate: (m: StreamMessage) => boolean, what?: string, timeoutMs?: number): Promise<StreamMessage>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `GET /api/events` with a raw request and parses the Server-Sent Events as they arrive. */
export function openEventStream(
  port: number,
  options: { query?: string; lastEventId?: number; token?: string; read?: boolean } = {},
): Promise<EventStream> {
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Authorization: `Bearer ${options.token ?? TEST_TOKEN}`,
    Accept: 'text/event-stream',
    ...(options.lastEventId !== undefined ? { 'Last-Event-ID': String(options.lastEventId) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'GET',
      path: `/api/events${options.query ? `?${options.query}` : ''}`,
      headers,
      agent: false,
      setHost: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const messages: StreamMessage[] = [];
      const waiters: { predicate: (m: StreamMessage) => boolean; resolve: (m: StreamMessage) => void }[] = [];
      let all = '';
      let pending = '';
      let endedResolve: () => void = () => {};
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      // read: false leaves the socket unread, like a client that stopped keeping up.
      if (options.read === false) res.pause();
      else
        res.on('data', (chunk: string) => {
          all += chunk;
          pending += chunk;
          let cut: number;
          while ((cut = pending.indexOf('\n\n')) !== -1) {
            const block = pending.slice(0, cut);
            pending = pending.slice(cut + 2);
            const message = parseBlock(block);
            if (!message) continue;
            messages.push(message);
            for (const waiter of [...waiters]) {
              if (waiter.predicate(message)) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(message);
              }
            }
          }
        });
      res.on('close', () => endedResolve());
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        raw: () => all,
        ended,
        waitFor(predicate, what = 'an event', timeoutMs = 15_000) {
          const seen = messages.find(predicate);
          if (seen) return Promise.resolve(seen);
          return new Promise((resolveWait, rejectWait) => {
            const timer = setTimeout(
              () =>
                rejectWait(new Error(`timed out waiting for ${what}; got: ${messages.map((m) => m.event).join(', ')}`)),
              timeoutMs,
            );
            waiters.push({
              predicate,
              resolve: (m) => {
                clearTimeout(timer);
                resolveWait(m);
              },
            });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

function parseBlock(block: string): StreamMessage | null {
  let id: number | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return null;
  return { id, event, data: JSON.parse(data.join('\n')) as unknown };
}
