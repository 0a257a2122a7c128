import { EVENTS_PATH } from '../../contract/api.js';
import { STREAM_RESET_EVENT, type StreamEvent } from '../../contract/api.js';
import { JobtrayError } from '../../contract/errors.js';
import type { EngineEventName } from '../../contract/events.js';
import type { ApiClient } from './client.js';

/** One Server-Sent Event as parsed from the wire. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules the CLI needs):
 * lines end in LF, CRLF or CR; a blank line dispatches; `data` lines join with
 * LF; `:` lines are comments; `id` is remembered for Last-Event-ID even when no
 * event follows.
 */
export class SseParser {
  lastEventId: string | null = null;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A trailing CR may be the first half of CRLF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = this.lastEventId = value;
  }

  private dispatch(): void {
    if (this.data.length > 0 || this.event !== '') {
      this.onMessage({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.event = '';
    this.id = null;
  }
}

/** A stream event narrowed by its name (`event.name === 'run:state'` types `event.data`). */
export type EngineStreamEvent = { [K in EngineEventName]: StreamEvent<K> }[EngineEventName];

export interface FollowHandlers {
  /**
   * Called on every (re)connection and on `stream:reset`: reload the state
   * that matters from the API. Returns true when there is nothing left to wait for.
   */
  resync(): Promise<boolean>;
  /** Called for each engine event in order. Returns true when there is nothing left to wait for. */
  event(event: EngineStreamEvent): Promise<boolean>;
}

/** Reconnection gives up after this long without a successful connection. */
const GIVE_UP_AFTER_MS = 20_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 2_000;

/**
 * Follows `GET /api/events` (only the events named) until a handler says it is done or `signal` aborts.
 * A dropped connection is resumed with Last-Event-ID (the server replays what
 * was missed, or sends `stream:reset`), and every connection starts with a
 * resync, so no state change is lost in between.
 */
export async function followEvents(
  client: ApiClient,
  names: readonly EngineEventName[],
  handlers: FollowHandlers,
  signal: AbortSignal,
): Promise<void> {
  const streamPath = `${EVENTS_PATH}?${new URLSearchParams({ events: names.join(',') }).toString()}`;
  let lastEventId: string | null = null;
  let failingSince: number | null = null;
  let delay = RETRY_MIN_MS;
  while (!signal.aborted) {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await client.request(streamPath, {
        headers:
          lastEventId === null
            ? { Accept: 'text/event-stream' }
            : { Accept: 'text/event-stream', 'Last-Event-ID': lastEventId },
        signal: stop.signal,
      });
      failingSince = null;
      delay = RETRY_MIN_MS;
      if (await handlers.resync()) return;
      const done = await readStream(response, handlers, (id) => (lastEventId = id));
      if (done) return;
    } catch (error) {
      if (signal.aborted) return;
      // Only a lost connection is worth retrying; a rejected token or a bad answer is not.
      if (!(error instanceof JobtrayError) || error.code !== 'unavailable') throw error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > GIVE_UP_AFTER_MS) throw error;
    } finally {
      signal.removeEventListener('abort', abort);
      stop.abort();
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }
}

/** Reads one connection's events; true when a handler is done, false when the server ended the stream. */
async function readStream(
  response: Response,
  handlers: FollowHandlers,
  rememberId: (id: string) => void,
): Promise<boolean> {
  if (!response.body) return false;
  const queue: SseMessage[] = [];
  const parser = new SseParser((m) => queue.push(m));
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw new JobtrayError('unavailable', `the event stream broke: ${(error as Error).message}`);
      }
      if (chunk.done) return false;
      parser.push(decoder.decode(chunk.value, { stream: true }));
      while (queue.length > 0) {
        const message = queue.shift()!;
        if (await handle(message, handlers)) return true;
        // Remember an id only once its event is handled, so a resume never skips one.
        if (message.id !== null) rememberId(message.id);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function handle(message: SseMessage, handlers: FollowHandlers): Promise<boolean> {
  if (message.event === STREAM_RESET_EVENT) return handlers.resync();
  if (message.event === 'message') return Promise.resolve(false);
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new JobtrayError(
      'internal',
      `the event stream sent an unreadable ${message.event} event: ${message.data.slice(0, 200)}`,
    );
  }
  return handlers.event({ id: Number(message.id), name: message.event, data } as EngineStreamEvent);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
