import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ACTOR_HEADER, type OperationResults } from '../../contract/api.js';
import type { Actor } from '../../contract/model.js';
import { JobtrayError } from '../../contract/errors.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../engine/logger.js';
import {
  createOperations,
  invokeOperation,
  type OperationHandlers,
  type OperationServices,
} from '../engine/operations.js';
import { sendArtifact } from './artifact.js';
import {
  DEFAULT_CONNECTION_LIMITS,
  guardConnections,
  serverTimeoutOptions,
  type ConnectionGuard,
  type ConnectionLimits,
} from './connections.js';
import { assertBearerToken, assertLoopbackHost, isLoopbackAddress } from './auth.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { METRICS_PATH, createApiMetrics, type ApiMetrics } from './metrics.js';
import { API_HEADERS, sendError, sendJson } from './respond.js';
import { matchRoute, operationInput, parseQuery, splitPath, successStatus, wrongMethod } from './router.js';
import { pathFor } from '../../contract/routes.js';
import { EVENTS_PATH, EventHub } from './sse.js';
import { StaticFiles } from './static.js';

export interface ApiServerOptions {
  engine: Engine;
  /** The bearer token every `/api/*` and `/metrics` request must carry. */
  token: string;
  /** 0 = pick a free port. */
  port: number;
  /** Default 127.0.0.1; only loopback addresses are accepted. */
  host?: string;
  /** The built dashboard (index.html + assets), served at `/` when it exists. */
  staticDir?: string | null;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** What some operations need from outside the engine (e.g. the webhook sender for `settings:test-webhook`). */
  services?: OperationServices;
  logger?: Logger;
  /** Events kept for SSE clients resuming with Last-Event-ID (default 10,000). */
  sseBufferSize?: number;
  /** Bytes of serialized events kept for them at most (default DEFAULT_BUFFER_BYTES, 16 MB). */
  sseBufferBytes?: number;
  /** How long `run:log` is still followed after the last stream that wants it closed (default 60 s). */
  sseLogGraceMs?: number;
  /** Interval of the SSE keep-alive comment (default 15 s). */
  ssePingMs?: number;
  /** An SSE client with more unsent bytes than this is dropped (default 8 MB). */
  sseMaxBufferedBytes?: number;
  /** Event streams open at once; one more is refused with 503 (default 128, well below `maxConnections`). */
  sseMaxClients?: number;
  /** Connection cap and timeouts (default DEFAULT_CONNECTION_LIMITS). */
  limits?: Partial<ConnectionLimits>;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** Connected SSE clients (tests check that disconnects are cleaned up). */
  readonly streamClients: number;
  /** Open and refused connections (see connections.ts). */
  readonly connections: ConnectionGuard;
  /** The listening socket's address, as the OS reports it. */
  address(): AddressInfo;
  /** True once close() finished. */
  readonly isClosed: boolean;
  /** Stops accepting, ends event streams and idle connections. The engine stays open: the host owns it. */
  close(): Promise<void>;
}

/** In-flight requests get this long to finish when the server closes; then their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

const GET_ONLY = ['GET'];
const STATIC_METHODS = ['GET', 'HEAD'];

interface Context {
  token: string;
  host: string;
  port: number;
  maxBodyBytes: number;
  operations: OperationHandlers;
  hub: EventHub;
  metrics: ApiMetrics;
  dashboard: StaticFiles | null;
  logger: Logger | undefined;
}

/**
 * The Local API: the contract's operations over HTTP on a loopback address,
 * Server-Sent Events at /api/events, Prometheus metrics at /metrics and the
 * built dashboard at `/`.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) {
    throw new JobtrayError(
      'invalid_input',
      `the Local API listens on loopback addresses only (127.0.0.1, ::1, localhost); refusing host ${JSON.stringify(host)}`,
    );
  }
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  // A request without Host reaches assertLoopbackHost (403 with a JSON body) instead of Node's bare 400.
  const server = http.createServer({ requireHostHeader: false, ...serverTimeoutOptions(limits) });
  const connections = guardConnections(server, limits, options.logger);
  const port = await listen(server, options.port, host);
  // Engine subscriptions start once the port is ours, so a failed listen leaves nothing behind.
  // (No request can arrive before the handler below is attached: that needs a later turn of the event loop.)
  let ctx: Context;
  try {
    ctx = makeContext(options, host, port, connections);
  } catch (error) {
    server.close();
    throw error;
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res).catch((error: unknown) => sendError(req, res, error, ctx.logger));
  });
  // Malformed HTTP (bad request line, headers too large) and a request too slow to arrive (headersTimeout,
  // requestTimeout) never reach 'request'; answer them and move on.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    // A connection that never sent a byte gets no answer, whichever timer noticed it first (this or guardConnections').
    if (timedOut && (socket as Socket).bytesRead === 0) return void socket.destroy();
    const status = timedOut ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger?.info(`local API listening on ${url}`);

  let closing: Promise<void> | null = null;
  let closed = false;
  return {
    url,
    port,
    get streamClients() {
      return ctx.hub.clientCount;
    },
    connections,
    address: () => server.address() as AddressInfo,
    get isClosed() {
      return closed;
    },
    close: () =>
      (closing ??= closeServer(server, ctx).then(() => {
        closed = true;
      })),
  };
}

function makeContext(options: ApiServerOptions, host: string, port: number, connections: ConnectionGuard): Context {
  return {
    token: options.token,
    host,
    port,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    operations: createOperations(options.engine, options.services ?? {}),
    hub: new EventHub(options.engine.events, {
      ...(options.sseBufferSize !== undefined ? { bufferSize: options.sseBufferSize } : {}),
      ...(options.sseBufferBytes !== undefined ? { bufferBytes: options.sseBufferBytes } : {}),
      ...(options.sseLogGraceMs !== undefined ? { logGraceMs: options.sseLogGraceMs } : {}),
      ...(options.ssePingMs !== undefined ? { pingMs: options.ssePingMs } : {}),
      ...(options.sseMaxBufferedBytes !== undefined ? { maxBufferedBytes: options.sseMaxBufferedBytes } : {}),
      ...(options.sseMaxClients !== undefined ? { maxClients: options.sseMaxClients } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    metrics: createApiMetrics(options.engine, connections),
    dashboard: StaticFiles.open(options.staticDir),
    logger: options.logger,
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new JobtrayError(
              'unavailable',
              `port ${port} on ${host} is already in use; use another port (--port N, or 0 for any free one; the api_port setting) or stop the program using it`,
            )
          : error,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function closeServer(server: http.Server, ctx: Context): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  ctx.hub.close();
  ctx.metrics.close();
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  force.unref();
  await closed;
  clearTimeout(force);
}

/**
 * One request, checked in this order: a loopback Host (DNS rebinding) before
 * anything else, then no OPTIONS (no CORS, ever), then the bearer token for
 * the API and metrics; the dashboard's files need no token.
 */
async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '';
  if (!target.startsWith('/'))
    throw new JobtrayError('invalid_input', 'the request target must be a path starting with "/"');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? '' : target.slice(q + 1);
  const method = req.method ?? 'GET';

  assertLoopbackHost(req, ctx.host, ctx.port);
  const api = rawPath === '/api' || rawPath.startsWith('/api/') || rawPath === METRICS_PATH;
  if (method === 'OPTIONS') throw wrongMethod(method, api ? allowedMethods(rawPath) : STATIC_METHODS);
  if (!api) return serveDashboard(ctx, req, res, rawPath);
  assertBearerToken(req, ctx.token);

  if (rawPath === METRICS_PATH || rawPath === EVENTS_PATH) {
    if (method !== 'GET') throw wrongMethod(method, GET_ONLY);
    return rawPath === EVENTS_PATH ? ctx.hub.attach(req, res, parseQuery(search)) : serveMetrics(ctx, res, search);
  }
  await runOperation(ctx, req, res, rawPath, search);
}

async function serveMetrics(ctx: Context, res: ServerResponse, search: string): Promise<void> {
  if (search.length > 0) throw new JobtrayError('invalid_input', `${METRICS_PATH} takes no query parameters`);
  const text = await ctx.metrics.render();
  res.writeHead(200, { ...API_HEADERS, 'Content-Type': ctx.metrics.contentType });
  res.end(text);
}

/**
 * Who is asking, for the audit trail: the CLI and the dashboard say so with
 * `X-Jobtray-Actor`; anything else is `api`. Only client actors are accepted.
 */
function requestActor(req: IncomingMessage): Actor {
  const claimed = req.headers[ACTOR_HEADER];
  return claimed === 'cli' || claimed === 'ui' ? claimed : 'api';
}

async function runOperation(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  search: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const match = matchRoute(method, splitPath(rawPath));
  if (match.kind === 'none') throw new JobtrayError('not_found', `no such endpoint: ${rawPath.slice(0, 200)}`);
  if (match.kind === 'wrong_method') throw wrongMethod(method, match.allow);
  const input = await operationInput(req, match, search, ctx.maxBodyBytes);
  const { name } = match;
  const actor = requestActor(req);
  if (name === 'runs:artifact') {
    return sendArtifact(res, await invokeOperation(ctx.operations, name, input, actor));
  }
  const result = await invokeOperation(ctx.operations, name, input, actor);
  // A trigger's answer points at the run it created (or found, for a repeated Idempotency-Key).
  const headers: Record<string, string> =
    name === 'jobs:trigger'
      ? { Location: pathFor('runs:get', { id: (result as OperationResults['jobs:trigger']).run_id }) }
      : {};
  sendJson(res, successStatus(name), result, headers);
}

function serveDashboard(ctx: Context, req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
  if (!ctx.dashboard)
    throw new JobtrayError(
      'not_found',
      `no such endpoint: ${rawPath.slice(0, 200)} (the dashboard is not installed; the API is under /api)`,
    );
  if (!STATIC_METHODS.includes(req.method ?? '')) throw wrongMethod(req.method ?? '', STATIC_METHODS);
  return ctx.dashboard.serve(req, res, rawPath);
}

/** Methods of an API path, for the Allow header of a refused OPTIONS. */
function allowedMethods(rawPath: string): string[] {
  if (rawPath === METRICS_PATH || rawPath === EVENTS_PATH) return GET_ONLY;
  const match = matchRoute('OPTIONS', splitPath(rawPath));
  return match.kind === 'wrong_method' ? match.allow : GET_ONLY;
}
