import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { STREAM_RESET_EVENT, describeZodIssues } from '../../contract/api.js';
import {
  ENGINE_EVENT_NAMES,
  STATE_EVENT_NAMES,
  type EngineEventMap,
  type EngineEventName,
} from '../../contract/events.js';
import { JobtrayError } from '../../contract/errors.js';
import type { EngineEvents } from '../engine/events.js';
import { serializedLinesOf } from '../engine/serialized-log-lines.js';
import type { Logger } from '../engine/logger.js';
import { API_HEADERS } from './respond.js';

/** The Server-Sent Events endpoint of the Local API. */
import { EVENTS_PATH } from '../../contract/api.js';
export { EVENTS_PATH };

export interface EventHubOptions {
  /** Events kept for clients resuming with `Last-Event-ID` (default 10,000). */
  bufferSize?: number;
  /**
   * ...and at most this many bytes of them, serialized (default
   * DEFAULT_BUFFER_BYTES): a chatty job's `run:log` events are large, and
   * 10,000 of them would hold a gigabyte.
   */
  bufferBytes?: number;
  /** Interval of the `: ping` comment that keeps proxies and idle timers from closing streams (default 15 s). */
  pingMs?: number;
  /** A client whose unsent data exceeds this is dropped; it can resume with `Last-Event-ID` (default 8 MB). */
  maxBufferedBytes?: number;
  /** Streams open at once; one more is refused with `unavailable` (503) (default DEFAULT_MAX_STREAM_CLIENTS). */
  maxClients?: number;
  /** How long `run:log` is still followed after the last stream that wants it closed (default LOG_FOLLOW_GRACE_MS). */
  logGraceMs?: number;
  logger?: Logger;
}

/** A piece of an SSE message as written to a stream. */
type Chunk = string | Uint8Array;

interface StoredEvent {
  id: number;
  name: EngineEventName;
  /**
   * The complete SSE message, serialized once for every client; a large one
   * (over ENCODE_ABOVE_CHARS) UTF-8 encoded once too. A `run:log` event whose
   * lines came serialized (main/engine/serialized-log-lines.ts) is three
   * pieces: its head, those bytes as they came, its tail.
   */
  message: Chunk | readonly Chunk[];
  /** Its size in bytes. */
  bytes: number;
}

interface Client {
  res: ServerResponse;
  /** null = every event. */
  names: ReadonlySet<string> | null;
}

const RETRY_MS = 2_000;
/**
 * `run:log` is followed this long after the last stream that wants it
 * closed, so a client reconnecting after a blip resumes without a reset.
 */
export const LOG_FOLLOW_GRACE_MS = 60_000;
/** Why a client resuming across a time nobody followed `run:log` is reset. */
export const LOGS_NOT_HELD = 'log lines were not held while no client followed them';
/** Bytes of serialized events the ring holds at most. */
export const DEFAULT_BUFFER_BYTES = 16 * 1024 * 1024;
/**
 * Each stream holds a connection for as long as it is open; this cap keeps
 * streams from taking every one of the server's connections (each dashboard
 * tab, `jobtray logs --follow` and `jobtray events` holds one).
 */
export const DEFAULT_MAX_STREAM_CLIENTS = 128;

const StreamQuerySchema = z.strictObject({
  events: z.string().max(1_000).optional(),
  last_event_id: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** The highest event id any hub of this process issued: a hub started in the same millisecond still starts above it. */
let highestIdIssued = 0;

/**
 * Events larger than this are held as bytes: a string is measured and
 * encoded again by every chunked write, for every client, and the garbage
 * collector copies the ones held here (B3 with one SSE subscriber: p99 13.7
 * against 9.8 ms as bytes). A small event costs less as a string. (Such an
 * event is rare: a `run:log` event's lines mostly come serialized.)
 */
const ENCODE_ABOVE_CHARS = 16 * 1024;

/**
 * Numbers every engine event, keeps the last ones in a ring buffer and writes
 * them to the connected SSE clients. Ids start above the start time in
 * microseconds (`firstId`), so a later start of the host never issues an id a
 * client already saw: a client resuming across a restart always gets a reset,
 * never another start's events under ids it thinks it has.
 *
 * `run:log` is followed only while a stream wants it (and LOG_FOLLOW_GRACE_MS
 * after): otherwise the engine would hand every stored log line of a chatty
 * job back to this thread, to be serialized for nobody. A client resuming
 * from before the hub last started following it, and wanting it, is reset —
 * unless its last event came after the hub last stopped following it: it was
 * connected then without wanting `run:log` (the dashboard reopening its stream
 * to follow a log it opened), so it missed no line.
 *
 * Invariant: event `id` is stored at `ring[id % capacity]`, and the ring holds
 * exactly the ids `oldest..lastId`: at most `capacity` events and, but
 * for the newest one, at most `bufferBytes` bytes of them.
 */
export class EventHub {
  private readonly ring: (StoredEvent | undefined)[];
  private readonly capacity: number;
  private readonly clients = new Set<Client>();
  /** Ids this hub issues start here: above any id an earlier start of the host issued (ms clock × 1,000). */
  private readonly firstId = Math.max(Date.now() * 1_000, highestIdIssued) + 1;
  private lastId = this.firstId - 1;
  /** The oldest id held; older ones were dropped for room (or never issued). */
  private oldest = this.firstId;
  /** Bytes of the held events' messages. */
  private heldBytes = 0;
  private ping: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private readonly followLogs: () => void;
  /** Following `run:log`: since which id (events from it on hold every `run:log`), and how to stop. */
  private logs: { since: number; stop: () => void } | null = null;
  /**
   * The last id issued before `run:log` was last no longer followed (-1:
   * never). A stream whose last event came after it was open while nobody
   * followed `run:log`, so it did not want it then and missed none.
   */
  private logsStoppedAfter = -1;
  private logGrace: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    events: EngineEvents,
    private readonly options: EventHubOptions = {},
  ) {
    this.capacity = Math.max(1, options.bufferSize ?? 10_000);
    this.ring = new Array<StoredEvent | undefined>(this.capacity);
    const stopStates = events.onEach(STATE_EVENT_NAMES, (name, payload) => this.publish(name, payload));
    this.unsubscribe = () => {
      stopStates();
      this.stopFollowingLogs();
    };
    this.followLogs = () => {
      if (this.logGrace) clearTimeout(this.logGrace);
      this.logGrace = null;
      if (this.logs) return;
      const stop = events.on('run:log', (payload) => this.publish('run:log', payload));
      this.logs = { since: this.lastId + 1, stop };
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Starts a stream: `retry`, then the events missed since `Last-Event-ID`
   * (header, or `?last_event_id=`) — or one `stream:reset` when they are no
   * longer held — then live events until the client leaves.
   */
  attach(req: IncomingMessage, res: ServerResponse, query: Record<string, string>): void {
    const { names, resumeFrom } = parseStreamRequest(req, query);
    const max = this.options.maxClients ?? DEFAULT_MAX_STREAM_CLIENTS;
    if (this.clients.size >= max) {
      throw new JobtrayError(
        'unavailable',
        `too many event streams: ${max} are open, the limit of this Jobtray; close one (each dashboard tab, "jobtray logs --follow" and "jobtray events" holds one) and retry`,
      );
    }
    res.writeHead(200, {
      ...API_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      // Reverse proxies (nginx) must not buffer a stream.
      'X-Accel-Buffering': 'no',
    });
    // A stream's connection is never reused: when it ends (close(), a dropped client) the socket goes too.
    res.shouldKeepAlive = false;
    if (this.closed) {
      // The host is stopping, and this request came on a connection kept alive: the stream ends at once,
      // cleanly (a browser then reconnects), instead of staying open until the server cuts it.
      res.end(`retry: ${RETRY_MS}\n\n`);
      return;
    }
    req.socket.setNoDelay(true);
    const client: Client = { res, names };
    if (wants(client, 'run:log')) this.followLogs();
    this.clients.add(client);
    res.on('close', () => this.detach(client));
    this.write(client, `retry: ${RETRY_MS}\n\n`);
    if (resumeFrom !== null) this.replay(client, resumeFrom);
    this.startPing();
  }

  /** Ends every stream and stops listening to the engine; a stream asked for afterwards ends at once. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    const clients = [...this.clients];
    this.clients.clear();
    for (const client of clients) client.res.end();
    this.stopPing();
  }

  private publish<K extends EngineEventName>(name: K, payload: EngineEventMap[K]): void {
    const serialized = name === 'run:log' ? serializedLinesOf(payload as EngineEventMap['run:log']) : null;
    let data: string;
    try {
      data = serialized ? runLogDataHead(payload as EngineEventMap['run:log']) : JSON.stringify(payload);
    } catch (error) {
      this.options.logger?.error(`local API: event ${name} cannot be serialized; not streamed`, error);
      return;
    }
    const id = ++this.lastId;
    highestIdIssued = Math.max(highestIdIssued, id);
    const head = `id: ${id}\nevent: ${name}\ndata: ${data}`;
    let message: StoredEvent['message'];
    let bytes: number;
    if (serialized) {
      // The lines' bytes are written as they came: this thread neither builds nor copies them.
      message = [head, serialized, RUN_LOG_DATA_TAIL];
      bytes = Buffer.byteLength(head) + serialized.byteLength + RUN_LOG_DATA_TAIL.length;
    } else {
      const text = `${head}\n\n`;
      // Buffer's UTF-8 encoder: about ten times TextEncoder's speed on Node 20.
      message = text.length > ENCODE_ABOVE_CHARS ? Buffer.from(text) : text;
      bytes = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
    }
    const stored: StoredEvent = { id, name, message, bytes };
    this.hold(stored);
    for (const client of this.clients) {
      if (wants(client, name)) this.write(client, stored.message);
    }
  }

  /** Stores `event` (the newest), dropping the oldest ones beyond `capacity` events or `bufferBytes` bytes. */
  private hold(event: StoredEvent): void {
    const limit = this.options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    while (
      this.oldest < event.id &&
      (this.oldest <= event.id - this.capacity || this.heldBytes + event.bytes > limit)
    ) {
      const slot = this.oldest % this.capacity;
      this.heldBytes -= this.ring[slot]?.bytes ?? 0;
      this.ring[slot] = undefined;
      this.oldest += 1;
    }
    this.ring[event.id % this.capacity] = event;
    this.heldBytes += event.bytes;
  }

  /**
   * Sends what came after `after`. An id this server never issued, one from an
   * earlier start, or one whose successors were dropped from the ring means the
   * client missed something: it gets `stream:reset` and reloads its state.
   */
  private replay(client: Client, after: number): void {
    // Lines stored while nobody followed run:log came as no event: a client that may have followed it then is reset.
    const logsMissed =
      wants(client, 'run:log') && after + 1 < (this.logs?.since ?? Infinity) && after <= this.logsStoppedAfter;
    if (after > this.lastId || after + 1 < this.oldest || logsMissed) {
      const reason =
        after > this.lastId
          ? 'unknown event id (not issued by this server)'
          : after + 1 < this.firstId
            ? 'the server restarted since this id'
            : after + 1 < this.oldest
              ? 'events after this id are no longer held'
              : LOGS_NOT_HELD;
      this.write(
        client,
        `id: ${this.lastId}\nevent: ${STREAM_RESET_EVENT}\ndata: ${JSON.stringify({ reason, last_event_id: after, oldest_id: this.oldest })}\n\n`,
      );
      return;
    }
    for (let id = after + 1; id <= this.lastId; id++) {
      const stored = this.ring[id % this.capacity];
      if (stored && wants(client, stored.name)) this.write(client, stored.message);
    }
  }

  /** Writes, or drops a client too slow to keep up (it resumes from its Last-Event-ID). */
  private write(client: Client, message: StoredEvent['message']): void {
    if (client.res.destroyed) return;
    if (typeof message === 'string' || message instanceof Uint8Array) client.res.write(message);
    else {
      // The pieces leave in one write to the socket.
      client.res.cork();
      for (const chunk of message) client.res.write(chunk);
      client.res.uncork();
    }
    if (client.res.writableLength > (this.options.maxBufferedBytes ?? 8 * 1024 * 1024)) {
      this.options.logger?.warn(
        `local API: an event stream client fell more than ${client.res.writableLength} bytes behind; dropped (it can resume with Last-Event-ID)`,
      );
      client.res.destroy();
      this.detach(client);
    }
  }

  private detach(client: Client): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stopPing();
    if (!this.logs || this.logGrace || [...this.clients].some((other) => wants(other, 'run:log'))) return;
    this.logGrace = setTimeout(() => this.stopFollowingLogs(), this.options.logGraceMs ?? LOG_FOLLOW_GRACE_MS);
    this.logGrace.unref();
  }

  private stopFollowingLogs(): void {
    if (this.logGrace) clearTimeout(this.logGrace);
    this.logGrace = null;
    this.logs?.stop();
    if (this.logs) this.logsStoppedAfter = this.lastId;
    this.logs = null;
  }

  private startPing(): void {
    if (this.ping) return;
    this.ping = setInterval(() => {
      for (const client of this.clients) this.write(client, ': ping\n\n');
    }, this.options.pingMs ?? 15_000);
    // The ping never keeps the process alive on its own.
    this.ping.unref();
  }

  private stopPing(): void {
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
  }
}

/**
 * What precedes the lines in the data of a `run:log` event: the same text
 * JSON.stringify gives for the event's other fields, in the same order, so
 * the stream carries the same bytes whichever way its lines came.
 */
function runLogDataHead(event: EngineEventMap['run:log']): string {
  return `{"run_id":${JSON.stringify(event.run_id)},"job_id":${JSON.stringify(event.job_id)},"lines":`;
}
const RUN_LOG_DATA_TAIL = '}\n\n';

function wants(client: Client, name: string): boolean {
  return client.names === null || client.names.has(name);
}

/** `?events=a,b` (names checked against the contract) and the resume point (header wins over `?last_event_id=`). */
function parseStreamRequest(
  req: IncomingMessage,
  query: Record<string, string>,
): { names: ReadonlySet<string> | null; resumeFrom: number | null } {
  const header = req.headers['last-event-id'];
  const parsed = StreamQuerySchema.safeParse(
    header === undefined || header === '' ? query : { ...query, last_event_id: header },
  );
  if (!parsed.success)
    throw new JobtrayError('invalid_input', `${EVENTS_PATH}: ${describeZodIssues(parsed.error.issues)}`);
  const { events, last_event_id } = parsed.data;
  let names: Set<string> | null = null;
  if (events !== undefined) {
    names = new Set(
      events
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0),
    );
    const unknown = [...names].filter((n) => !(ENGINE_EVENT_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0)
      throw new JobtrayError(
        'invalid_input',
        `${EVENTS_PATH}: unknown event name(s) ${unknown.map((n) => `"${n.slice(0, 50)}"`).join(', ')}; known: ${ENGINE_EVENT_NAMES.join(', ')}`,
      );
  }
  return { names, resumeFrom: last_event_id ?? null };
}
