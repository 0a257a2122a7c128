/**
 * One attempt's log lines on their way to the store, and the flow control
 * that keeps a fast worker from outrunning it.
 *
 * Invariants:
 * - A line is written later, never where it arrives: a busy worker's queued
 *   messages are all delivered in one turn of the event loop, and writing them
 *   there would stall the loop for as long as the whole backlog takes.
 * - Lines are written in the order they arrived, at most LOG_FLUSH_LINES per
 *   transaction; the event loop turns between batches.
 * - The worker is acknowledged late, never early: only its lines that left the
 *   buffer count, so it never has more than its window in flight.
 * - With a log writer (log-writer.ts: the engine always has one) batches are
 *   stored off this thread, one at a time per run, in order; `run:log` is
 *   emitted once a batch is stored, with the stored lines, when anyone
 *   listens. Those come back serialized (serialized-log-lines.ts): this
 *   thread parses them only for a listener that reads them. Without a log
 *   writer (unit tests) they are written here.
 * - The command supervisor stores its batches itself (addStoredFromWorker):
 *   they are announced one a turn, in the order reported, and acknowledged
 *   once announced; lines stored on this side later are announced after all
 *   of them.
 * - A batch that cannot be written (a storage problem, see storage-guard.ts)
 *   leaves the buffer anyway: the run goes on and memory stays bounded. Its
 *   lines are counted as dropped, except the engine's own (`system`: a stop, a
 *   failed artifact), of which up to KEPT_SYSTEM_LINES are kept. The next
 *   write that works first stores one line saying how many were dropped and
 *   why, then the kept ones.
 */
import type { LogLine, LogLineInput, Settings } from '../../contract/model.js';
import {
  JSON_LINE_OVERHEAD_CHARS,
  logSegments,
  packLogLines,
  unpackLogLines,
  type PackedLogLines,
  type SerializedLogLines,
  type WorkerToEngine,
} from '../../contract/worker-protocol.js';
import { coerceError } from '../../contract/errors.js';
import type { EngineEvents } from './events.js';
import type { LogWriter } from './log-writer.js';
import { runLogEvent } from './serialized-log-lines.js';
import { storageFailureKind, storageFailureText } from './storage-errors.js';
import type { StorageGuard } from './storage-guard.js';
import type { Store } from './store/index.js';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Log lines are written in batches: at most this long after the first pending line... */
export const LOG_FLUSH_MS = 25;
/** ...or on the next turn of the event loop once this many are pending. One transaction writes at most this many. */
export const LOG_FLUSH_LINES = 1_000;
/**
 * A worker posts at most this many log lines ahead of the store
 * (WorkerRunSpec.log_window). Node delivers a worker's queued messages in one
 * go, so this bounds how long the event loop spends receiving, and a job
 * that prints faster than the store writes waits instead of filling memory.
 */
export const LOG_WINDOW_LINES = 8 * LOG_FLUSH_LINES;
/** The engine's own lines kept while lines cannot be written; later ones are dropped and counted too. */
export const KEPT_SYSTEM_LINES = 100;

/** What a log buffer needs from the engine. */
export interface RunLogContext {
  readonly store: Pick<Store, 'appendLogs' | 'isOpen' | 'getLogs'>;
  /** Stores batches off this thread; absent, they are written through `store` here. */
  readonly logWriter?: Pick<LogWriter, 'append'>;
  /** `has` tells whether anyone listens for `run:log` (absent: assume so). */
  readonly events: Pick<EngineEvents, 'emit'> & Partial<Pick<EngineEvents, 'has'>>;
  /** Whether batches are tried now, and where a failed one is reported. */
  readonly storage: Pick<StorageGuard, 'writable' | 'noteFailure' | 'countDropped' | 'problem'>;
  /** Read for every batch: the log cap may change while a run is going. */
  settings(): Pick<Settings, 'log_cap_per_run'>;
}

/** The worker end of flow control (an AttemptHandle). */
export interface LogAcknowledger {
  acknowledgeLogs(lines: number): void;
}

export class RunLogBuffer {
  private pending: LogLineInput[] = [];
  /**
   * With a log writer: the lines waiting, in order, as they came — a
   * worker's packed batch is passed on as it is, never unpacked here — and
   * how many lines they hold. (Without one, `pending` holds them.)
   */
  private queue: (PackedLogLines | LogLineInput[])[] = [];
  private queued = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  /** A batch write on the next turn of the event loop (a full batch is pending). */
  private flushSoon: NodeJS.Immediate | null = null;
  /** Log lines received from the worker, and how many of them it was told are stored. */
  private received = 0;
  private acknowledged = 0;
  /** Null until the worker exists: what it posts before then is acknowledged when it is attached. */
  private worker: LogAcknowledger | null = null;
  /** Lines that could not be written since the last write that worked, and why; the engine's own are kept. */
  private dropped = 0;
  private dropReason = '';
  private kept: LogLineInput[] = [];
  /** One callback for every timer this buffer arms (no closure per batch). */
  private readonly writeBatchLater = (): void => this.writeBatch();
  /** Batches the command supervisor stored, to be announced, and how many posted lines they hold. */
  private storedQueue: SupervisorBatch[] = [];
  private unannounced = 0;
  private announceSoon: NodeJS.Immediate | null = null;
  private readonly announceStoredLater = (): void => this.announceStored();
  /** The batch with the log writer now (one at a time), and its lines. */
  private flight: Promise<void> | null = null;
  private inFlight = 0;

  constructor(
    private readonly ctx: RunLogContext,
    private readonly runId: number,
    private readonly jobId: string,
  ) {}

  /** Buffers a line of the engine's own (system lines, the worker thread's stdout/stderr); not counted for flow control. */
  add(line: LogLineInput): void {
    if (this.ctx.logWriter) this.enqueue([line]);
    else this.pending.push(line);
    this.scheduleWrite();
  }

  /** Buffers lines the worker posted; they count against its window until written. */
  addFromWorker(lines: readonly LogLineInput[]): void {
    this.received += lines.length;
    if (this.ctx.logWriter) this.enqueue([...lines]);
    else for (const line of lines) this.pending.push(line);
    this.scheduleWrite();
  }

  /** A worker's packed batch (contract/worker-protocol.ts): with a log writer it goes on packed, as it came. */
  addPackedFromWorker(packed: PackedLogLines): void {
    if (!this.ctx.logWriter) return this.addFromWorker(unpackLogLines(packed));
    this.received += packed.length.length;
    this.enqueue(packed);
    this.scheduleWrite();
  }

  /**
   * A batch the command supervisor stored itself. It is announced on a later
   * turn of the event loop, one batch a turn — with the lines it sent, or,
   * when nobody followed `run:log` as the supervisor last heard and someone
   * does now, the lines read back — and acknowledged once announced, so a
   * subscriber's pace paces the command without a backlog of its batches
   * landing in one turn. Nobody listening, it is acknowledged at once.
   */
  addStoredFromWorker(batch: SupervisorBatch): void {
    this.received += batch.posted;
    if (batch.count > 0 && (this.ctx.events.has?.('run:log') ?? true)) {
      this.storedQueue.push(batch);
      this.unannounced += batch.posted;
      this.announceSoon ??= setImmediate(this.announceStoredLater);
    }
    this.acknowledge();
  }

  /** Announces the oldest batch the supervisor stored, and schedules the next. */
  private announceStored(): void {
    this.announceSoon = null;
    this.announceOldestStored();
    if (this.storedQueue.length > 0) this.announceSoon = setImmediate(this.announceStoredLater);
  }

  /** Announces every batch the supervisor stored now (an ended attempt: its lines come before its final state). */
  private announceAllStored(): void {
    if (this.announceSoon) clearImmediate(this.announceSoon);
    this.announceSoon = null;
    while (this.storedQueue.length > 0) this.announceOldestStored();
  }

  private announceOldestStored(): void {
    const batch = this.storedQueue.shift();
    if (!batch) return;
    this.unannounced -= batch.posted;
    if (batch.lines) this.announceSerialized(batch.lines);
    else {
      const lines = this.readStored(batch.first_seq, batch.count);
      if (lines) this.announce(lines);
    }
    this.acknowledge();
  }

  private readStored(firstSeq: number, count: number): LogLine[] | null {
    try {
      return this.ctx.store.getLogs(this.runId, { after: firstSeq - 1, limit: count }).lines;
    } catch {
      // They are stored: a reader of the log reads them as pages.
      return null;
    }
  }

  /** Lines waiting to be written or sent. */
  private get waiting(): number {
    return this.pending.length + this.queued;
  }

  private enqueue(segment: PackedLogLines | LogLineInput[]): void {
    const last = this.queue.at(-1);
    // Single lines of the engine's own join the list before them.
    if (Array.isArray(segment) && Array.isArray(last)) last.push(...segment);
    else this.queue.push(segment);
    this.queued += segmentLength(segment);
  }

  /** The worker exists now: it is told at once about the lines already written. */
  attachWorker(worker: LogAcknowledger): void {
    this.worker = worker;
    this.acknowledge();
  }

  /**
   * Writes every pending line now, here (a log page read while the run goes
   * on shows what it printed so far). With a log writer, a batch it is
   * storing lands first: then nothing is written here, and the page may miss
   * that batch and what followed it for the few milliseconds until it lands
   * (lines are announced only once stored, so a page is never behind the
   * events).
   */
  flush(): void {
    this.cancelWrite();
    if (this.ctx.logWriter) {
      if (this.flight) return;
      this.pending.push(...this.takeQueued(Infinity));
    }
    while (this.pending.length > 0 && this.ctx.store.isOpen()) this.write(false);
  }

  /**
   * Writes the backlog of an ended attempt batch by batch, letting the event
   * loop turn in between. With a log writer, up to `leave` lines may stay
   * for settle(), which stores them in the transaction of the run's final
   * state: a run that printed a few lines costs no trip to the writer.
   */
  async drain(leave = 0): Promise<void> {
    this.announceAllStored();
    this.cancelWrite();
    if (this.ctx.logWriter) {
      while ((this.queued > leave || this.flight) && this.ctx.store.isOpen()) {
        if (!this.flight) this.send();
        await this.flight;
      }
      this.cancelWrite();
      return;
    }
    while (this.pending.length > 0 && this.ctx.store.isOpen()) {
      this.write(false);
      await nextTurn();
    }
  }

  /**
   * The last write of an ended attempt, before its final state: every pending
   * line and the count of dropped ones, tried even while a storage problem
   * lasts. Throws when it fails, keeping the lines, so it can be tried again.
   */
  settle(): void {
    this.cancelWrite();
    // What is still queued for the log writer is written here, in order (a storage problem held it, or a last line).
    this.pending.push(...this.takeQueued(Infinity));
    while ((this.pending.length > 0 || this.dropped > 0 || this.kept.length > 0) && this.ctx.store.isOpen())
      this.write(true);
  }

  private scheduleWrite(): void {
    if (this.waiting >= LOG_FLUSH_LINES) this.flushSoon ??= setImmediate(this.writeBatchLater);
    else if (this.waiting > 0) this.flushTimer ??= setTimeout(this.writeBatchLater, LOG_FLUSH_MS);
  }

  private cancelWrite(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushTimer = null;
    this.flushSoon = null;
  }

  /** Writes one batch and schedules the rest: the event loop turns between batches. */
  private writeBatch(): void {
    this.cancelWrite();
    if (this.ctx.logWriter) {
      // The batch with the writer schedules the next when it is stored.
      if (!this.flight) this.send();
      return;
    }
    this.write(false);
    this.scheduleWrite();
  }

  /** The oldest queued segments, whole, up to `limit` lines (at least one segment), unpacked. */
  private takeQueued(limit: number): LogLineInput[] {
    return this.takeSegments(limit).flatMap((segment) => (Array.isArray(segment) ? segment : unpackLogLines(segment)));
  }

  private takeSegments(limit: number): (PackedLogLines | LogLineInput[])[] {
    const taken: (PackedLogLines | LogLineInput[])[] = [];
    let lines = 0;
    while (this.queue.length > 0 && (taken.length === 0 || lines + segmentLength(this.queue[0]!) <= limit)) {
      const segment = this.queue.shift()!;
      lines += segmentLength(segment);
      taken.push(segment);
    }
    this.queued -= lines;
    return taken;
  }

  /**
   * Sends the oldest queued segments, about LOG_FLUSH_LINES lines, to the log
   * writer as they came, after the count of dropped ones and the kept lines;
   * while a storage problem lasts they are dropped and counted here instead.
   * The next batch goes once this one is stored (or failed: then it is
   * dropped and counted, as by write()).
   */
  private send(): void {
    const writer = this.ctx.logWriter;
    if (!writer || this.queued === 0 || !this.ctx.store.isOpen()) return;
    if (!this.ctx.storage.writable) {
      this.drop(this.takeQueued(LOG_FLUSH_LINES), this.problemText());
      this.acknowledge();
      this.scheduleWrite();
      return;
    }
    const segments = this.takeSegments(LOG_FLUSH_LINES);
    const dropped = this.dropped;
    const reason = this.dropReason;
    const kept = this.kept;
    const before = dropped > 0 ? [this.droppedLine(), ...kept] : kept;
    const batch = (before.length > 0 ? [before, ...segments] : segments).map((segment) =>
      Array.isArray(segment) ? packLogLines(segment) : segment,
    );
    this.dropped = 0;
    this.kept = [];
    this.inFlight = batch.reduce((sum, segment) => sum + segmentLength(segment), 0);
    const wantLines = this.ctx.events.has?.('run:log') ?? true;
    this.flight = writer
      .append(this.runId, batch, this.ctx.settings().log_cap_per_run, wantLines)
      .then(
        (stored) => {
          if (!stored) return;
          // After every batch the supervisor stored before these (each waits for its turn otherwise).
          this.announceAllStored();
          this.announceSerialized(stored);
        },
        (error: unknown) => {
          // As write() does: the count and the kept lines wait for the next write that works; this batch is dropped.
          this.dropped += dropped;
          if (dropped > 0) this.dropReason = reason;
          this.kept = [...kept, ...this.kept];
          const storage = this.ctx.storage.noteFailure(error, `writing log lines of run ${this.runId}`);
          const lines = segments.flatMap((segment) => (Array.isArray(segment) ? segment : unpackLogLines(segment)));
          this.drop(lines, storage ? this.problemText() : coerceError(error).message);
        },
      )
      .finally(() => {
        this.flight = null;
        this.inFlight = 0;
        this.acknowledge();
        this.scheduleWrite();
      });
  }

  /**
   * Writes the oldest LOG_FLUSH_LINES pending lines (or fewer) in one
   * transaction, after the count of dropped ones, and announces them. Unless
   * `strict`, a batch that cannot be written (or is not tried: a storage
   * problem lasts) is dropped and counted; `strict` throws and keeps it.
   */
  private write(strict: boolean): void {
    if (!this.ctx.store.isOpen()) return;
    const lines = this.pending.length <= LOG_FLUSH_LINES ? this.pending : this.pending.splice(0, LOG_FLUSH_LINES);
    if (lines === this.pending) this.pending = [];
    try {
      if (!strict && !this.ctx.storage.writable) {
        this.drop(lines, this.problemText());
        return;
      }
      const gap = this.dropped > 0 ? [this.droppedLine()] : [];
      const batch = gap.length + this.kept.length > 0 ? [...gap, ...this.kept, ...lines] : lines;
      const stored = this.ctx.store.appendLogs(this.runId, batch, this.ctx.settings().log_cap_per_run);
      this.dropped = 0;
      this.kept = [];
      // After every batch the supervisor stored before these (each waits for its turn otherwise).
      this.announceAllStored();
      this.announce(stored);
    } catch (error) {
      if (strict) {
        this.pending = [...lines, ...this.pending];
        throw error;
      }
      const storage = this.ctx.storage.noteFailure(error, `writing log lines of run ${this.runId}`);
      this.drop(lines, storage ? this.problemText() : coerceError(error).message);
    } finally {
      this.acknowledge();
    }
  }

  /** Emits `run:log` for stored lines, in events of about LOG_SEGMENT_CHARS serialized at most (contract/worker-protocol.ts). */
  private announce(lines: LogLine[]): void {
    for (const segment of logSegments(lines, JSON_LINE_OVERHEAD_CHARS))
      this.ctx.events.emit('run:log', { run_id: this.runId, job_id: this.jobId, lines: segment });
  }

  /** Emits `run:log` for stored lines that came serialized, one event a segment, its lines parsed only when read. */
  private announceSerialized(segments: readonly SerializedLogLines[]): void {
    for (const segment of segments) this.ctx.events.emit('run:log', runLogEvent(this.runId, this.jobId, segment));
  }

  private drop(lines: readonly LogLineInput[], reason: string): void {
    let dropped = 0;
    for (const line of lines) {
      if (line.stream === 'system' && this.kept.length < KEPT_SYSTEM_LINES) this.kept.push(line);
      else dropped += 1;
    }
    if (dropped === 0) return;
    this.dropped += dropped;
    this.dropReason = reason;
    this.ctx.storage.countDropped(dropped);
  }

  /** What the storage problem is called: "disk full". */
  private problemText(): string {
    const problem = this.ctx.storage.problem();
    return storageFailureText((problem && storageFailureKind(problem.code)) ?? 'io');
  }

  /** "1,204 log lines dropped: disk full" */
  private droppedLine(): LogLineInput {
    const count = this.dropped === 1 ? '1 log line' : `${this.dropped.toLocaleString('en-US')} log lines`;
    return { ts: Date.now(), stream: 'system', level: 'warn', message: `${count} dropped: ${this.dropReason}` };
  }

  /**
   * Tells the worker how many more of its lines left the buffer. Lines still
   * pending may be the engine's own, so this may acknowledge late, never
   * early; with the buffer empty everything received is acknowledged.
   */
  private acknowledge(): void {
    const written = this.received - this.acknowledged - this.waiting - this.inFlight - this.unannounced;
    if (written <= 0 || !this.worker) return;
    this.acknowledged += written;
    this.worker.acknowledgeLogs(written);
  }
}

type SupervisorBatch = Extract<WorkerToEngine, { type: 'log_stored' }>;

function segmentLength(segment: PackedLogLines | readonly LogLineInput[]): number {
  return Array.isArray(segment) ? segment.length : (segment as PackedLogLines).length.length;
}
