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
 */
import type { LogLineInput, Settings } from '../../contract/model.js';
import type { EngineEvents } from './events.js';
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

/** What a log buffer needs from the engine. */
export interface RunLogContext {
  readonly store: Pick<Store, 'appendLogs' | 'isOpen'>;
  readonly events: Pick<EngineEvents, 'emit'>;
  /** Read for every batch: the log cap may change while a run is going. */
  settings(): Pick<Settings, 'log_cap_per_run'>;
}

/** The worker end of flow control (an AttemptHandle). */
export interface LogAcknowledger {
  acknowledgeLogs(lines: number): void;
}

export class RunLogBuffer {
  private pending: LogLineInput[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** A batch write on the next turn of the event loop (a full batch is pending). */
  private flushSoon: NodeJS.Immediate | null = null;
  /** Log lines received from the worker, and how many of them it was told are stored. */
  private received = 0;
  private acknowledged = 0;
  /** Null until the worker exists: what it posts before then is acknowledged when it is attached. */
  private worker: LogAcknowledger | null = null;
  /** One callback for every timer this buffer arms (no closure per batch). */
  private readonly writeBatchLater = (): void => this.writeBatch();

  constructor(
    private readonly ctx: RunLogContext,
    private readonly runId: number,
    private readonly jobId: string,
  ) {}

  /** Buffers a line of the engine's own (system lines, the worker thread's stdout/stderr); not counted for flow control. */
  add(line: LogLineInput): void {
    this.pending.push(line);
    this.scheduleWrite();
  }

  /** Buffers lines the worker posted; they count against its window until written. */
  addFromWorker(lines: readonly LogLineInput[]): void {
    this.received += lines.length;
    for (const line of lines) this.pending.push(line);
    this.scheduleWrite();
  }

  /** The worker exists now: it is told at once about the lines already written. */
  attachWorker(worker: LogAcknowledger): void {
    this.worker = worker;
    this.acknowledge();
  }

  /** Writes every pending line now (a log page must not be behind the events). */
  flush(): void {
    this.cancelWrite();
    while (this.pending.length > 0 && this.ctx.store.isOpen()) this.write();
  }

  /** Writes the backlog of an ended attempt batch by batch, letting the event loop turn in between. */
  async drain(): Promise<void> {
    this.cancelWrite();
    while (this.pending.length > 0 && this.ctx.store.isOpen()) {
      this.write();
      await nextTurn();
    }
  }

  private scheduleWrite(): void {
    if (this.pending.length >= LOG_FLUSH_LINES) this.flushSoon ??= setImmediate(this.writeBatchLater);
    else if (this.pending.length > 0) this.flushTimer ??= setTimeout(this.writeBatchLater, LOG_FLUSH_MS);
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
    this.write();
    this.scheduleWrite();
  }

  /** Writes the oldest LOG_FLUSH_LINES pending lines (or fewer) in one transaction and announces them. */
  private write(): void {
    if (this.pending.length === 0 || !this.ctx.store.isOpen()) return;
    const lines = this.pending.length <= LOG_FLUSH_LINES ? this.pending : this.pending.splice(0, LOG_FLUSH_LINES);
    if (lines === this.pending) this.pending = [];
    try {
      const stored = this.ctx.store.appendLogs(this.runId, lines, this.ctx.settings().log_cap_per_run);
      if (stored.length > 0) this.ctx.events.emit('run:log', { run_id: this.runId, job_id: this.jobId, lines: stored });
    } finally {
      this.acknowledge();
    }
  }

  /**
   * Tells the worker how many more of its lines left the buffer. Lines still
   * pending may be the engine's own, so this may acknowledge late, never
   * early; with the buffer empty everything received is acknowledged.
   */
  private acknowledge(): void {
    const written = this.received - this.acknowledged - this.pending.length;
    if (written <= 0 || !this.worker) return;
    this.acknowledged += written;
    this.worker.acknowledgeLogs(written);
  }
}
