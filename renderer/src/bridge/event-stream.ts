import { createParser } from 'eventsource-parser';
import { STREAM_RESET_EVENT } from '../../../contract/routes.js';
import type { ConnectionState } from '../../../contract/bridge.js';

/**
 * The Local API's event stream (`GET /api/events`), read with `fetch` so the
 * token travels in the Authorization header (EventSource cannot send one).
 *
 * Invariants:
 * - one request at a time; when it ends or fails, the next starts after a
 *   backoff (doubling from `initialMs` to `maxMs`, back to `initialMs` once a
 *   stream is open), until close() or a refused token;
 * - every request after the first carries the id of the last event received as
 *   `Last-Event-ID`, so the server replays what was missed, or answers
 *   `stream:reset` when it cannot (it restarted, or the events are gone);
 * - a 401 stops for good (`unauthorized`): retrying a refused token helps no one;
 * - reconnect() ends the open request and starts the next at once, resumed
 *   the same way, without a backoff or a change of state: the events a stream
 *   wants (its URL) changed, not its connection.
 */

export interface EventStreamOptions {
  /** Read for every request. */
  url: () => string;
  token: string;
  fetch: typeof fetch;
  onEvent(name: string, data: unknown): void;
  onReset(reason: string): void;
  onState(state: ConnectionState): void;
  backoff?: { initialMs: number; maxMs: number };
}

export interface EventStream {
  /** Starts a new request at once, resumed from the last event (the URL changed). */
  reconnect(): void;
  close(): void;
}

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 15_000 };

export function openEventStream(options: EventStreamOptions): EventStream {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let lastEventId: string | null = null;
  let delay = backoff.initialMs;
  let closed = false;
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let everConnected = false;
  /** The request being ended was ended by reconnect(): the next starts at once. */
  let switching = false;

  const parser = createParser({
    onEvent(message) {
      if (message.id !== undefined) lastEventId = message.id;
      if (message.event === STREAM_RESET_EVENT) {
        options.onReset(readReason(message.data));
        return;
      }
      if (message.event === undefined) return;
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      options.onEvent(message.event, data);
    },
  });

  async function connect(): Promise<void> {
    controller = new AbortController();
    const headers: Record<string, string> = { Authorization: `Bearer ${options.token}`, Accept: 'text/event-stream' };
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    try {
      const response = await options.fetch(options.url(), { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) {
        await response.body?.cancel();
        closed = true;
        options.onState('unauthorized');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      everConnected = true;
      delay = backoff.initialMs;
      options.onState('connected');
      parser.reset();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch {
      // A refused connection, a dropped stream or close(): the same path below.
    }
    if (closed) return;
    if (switching) {
      switching = false;
      void connect();
      return;
    }
    options.onState(everConnected ? 'reconnecting' : 'connecting');
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, backoff.maxMs);
  }

  options.onState('connecting');
  void connect();
  return {
    reconnect() {
      // Waiting to retry: that request reads the URL when it starts.
      if (closed || retryTimer || !controller || controller.signal.aborted) return;
      switching = true;
      controller.abort();
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      controller?.abort();
    },
  };
}

function readReason(data: string): string {
  try {
    const parsed = JSON.parse(data) as { reason?: unknown };
    return typeof parsed.reason === 'string' ? parsed.reason : 'the server could not replay missed events';
  } catch {
    return 'the server could not replay missed events';
  }
}
