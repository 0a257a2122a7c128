import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../engine/logger.js';

/**
 * Connection limits of the Local API. Every open connection holds a file
 * descriptor, and the engine needs descriptors too: each run's worker and each
 * command's pipes. About 20,000 idle loopback connections once exhausted the
 * host's descriptors, and scheduled runs then failed with EMFILE. So the number
 * of connections is capped well below the usual descriptor limit, and a
 * connection that sends nothing, or only part of a request, is closed within
 * seconds instead of Node's defaults (no limit for a silent connection, 60 s
 * for a partial request head, 5 min for a whole request).
 */
export interface ConnectionLimits {
  /** Open connections at once (SSE streams included); beyond it a new connection is closed at once. */
  maxConnections: number;
  /**
   * A connection must deliver a complete request head within this long of
   * opening (a silent one is closed without an answer) or of starting a
   * request (a partial head gets 408).
   */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** How often Node checks the request timeouts (default 30 s, too coarse for timeouts of seconds). */
const TIMEOUT_CHECK_MS = 1_000;
/** A full house is logged at most this often. */
const REFUSED_LOG_EVERY_MS = 60_000;

/** Options for http.createServer that enforce the request timeouts. */
export function serverTimeoutOptions(
  limits: ConnectionLimits,
): Pick<http.ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'> {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // Node requires requestTimeout >= headersTimeout.
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
}

export interface ConnectionGuard {
  /** Connections open now. */
  readonly open: number;
  /** Connections closed at once because `maxConnections` were open. */
  readonly refused: number;
}

/**
 * Applies the cap, the keep-alive timeout and the silent-connection reaper to
 * `server`. Node's headersTimeout does not reliably cover a connection that
 * never sends a byte (seen with Node 20: such a connection stayed open well
 * past it), so one is also closed here, by a timer that the connection's first
 * request head cancels.
 */
export function guardConnections(
  server: http.Server,
  limits: ConnectionLimits,
  logger: Logger | undefined,
): ConnectionGuard {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const silent = new WeakMap<Socket, NodeJS.Timeout>();
  let open = 0;
  let refused = 0;
  let lastLogged = -Infinity;

  server.on('connection', (socket: Socket) => {
    open++;
    // Only a connection that sent nothing: a partial request head is Node's headersTimeout's (408).
    const timer = setTimeout(() => socket.bytesRead === 0 && socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    silent.set(socket, timer);
    socket.once('close', () => {
      open--;
      clearTimeout(timer);
    });
  });
  server.on('request', (req: http.IncomingMessage) => clearTimeout(silent.get(req.socket as Socket)));
  server.on('drop', () => {
    refused++;
    const now = Date.now();
    if (now - lastLogged < REFUSED_LOG_EVERY_MS) return;
    lastLogged = now;
    logger?.warn(
      `local API: ${limits.maxConnections} connections are open, the limit; new ones are closed at once until some end (idle ones are closed after ${limits.headersTimeoutMs / 1000} s). ${refused} refused so far.`,
    );
  });
  return {
    get open() {
      return open;
    },
    get refused() {
      return refused;
    },
  };
}
