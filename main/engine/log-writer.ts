/**
 * Log lines that reach the engine's thread (a script's; of a command's, only
 * its last batch, or every batch once the command supervisor could not store
 * one) are stored off it: a worker thread of its own (log-writer-thread.ts)
 * with its own connection to the run store appends each batch, and answers
 * once it is stored — with the stored lines, numbered and serialized, only
 * when someone listens for `run:log`. The engine's
 * thread, which also serves the tray, IPC and the Local API, only passes
 * batches on (run-log-buffer.ts).
 *
 * Invariants:
 * - Batches are stored in the order appended (one thread, one queue).
 * - Every append settles: stored, or rejected with the error (a storage
 *   failure as a `storage_full` JobtrayError, which storage-guard.ts knows),
 *   also when the thread dies; the next append starts a new thread.
 * - The thread starts with the first append and closes once idle for
 *   LOG_WRITER_IDLE_MS: an idle engine holds none.
 * - A page limit set on the engine's store (tests of a full disk) is set on
 *   the writer's connection too.
 */
import { Worker } from 'node:worker_threads';
import { JobtrayError, type ErrorCode } from '../../contract/errors.js';
import type { PackedLogLines, SerializedLogLines, StoreConnectionStart } from '../../contract/worker-protocol.js';
import { IdleTimer } from './idle-timer.js';
import { WRITE_LOCK_OWNERS, type WriteLock } from './store/index.js';

/** A writer with nothing to write is closed after this long. */
export const LOG_WRITER_IDLE_MS = 60_000;

export type LogWriterRequest =
  /** `lines`: one run's lines in order, in segments as they came (a worker's batches are passed on packed). */
  | { type: 'append'; id: number; run_id: number; lines: PackedLogLines[]; cap: number; want_lines: boolean }
  | { type: 'page_limit'; pages: number | null }
  | { type: 'close' };

export type LogWriterReply =
  /** `lines`: the stored lines in order, serialized, one `run:log` event's worth each (when asked for). */
  | { id: number; ok: true; lines: SerializedLogLines[] | null }
  | { id: number; ok: false; code: ErrorCode | null; message: string; details: unknown };

export interface LogWriterOptions {
  /** The run store's SQLite file. */
  databasePath: string;
  /** The compiled log-writer-thread.js. */
  threadPath: string;
  nativeBinding?: string;
  /** The engine store's write lock: the writer's connection takes it too. */
  writeLock: WriteLock;
}

interface Waiter {
  resolve(lines: SerializedLogLines[] | null): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  exited: Promise<void>;
  /** Its appends not answered yet, by request id. */
  waiting: Map<number, Waiter>;
}

export class LogWriter {
  private thread: Thread | null = null;
  private nextId = 1;
  private pageLimit: number | null = null;
  private readonly idle = new IdleTimer(LOG_WRITER_IDLE_MS, () => this.closeIdle());
  private closed = false;
  constructor(private readonly options: LogWriterOptions) {}

  /**
   * Stores `lines` of run `runId`, in order (at most `cap` per run, see
   * Store.appendLogs); resolves with the stored lines, serialized, when
   * `wantLines` (null otherwise, or when none was stored).
   */
  append(
    runId: number,
    lines: PackedLogLines[],
    cap: number,
    wantLines: boolean,
  ): Promise<SerializedLogLines[] | null> {
    if (this.closed) return Promise.reject(new Error('the log writer is closed'));
    const thread = this.ensureThread();
    this.idle.cancel();
    const id = this.nextId++;
    return new Promise<SerializedLogLines[] | null>((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
      const request: LogWriterRequest = {
        type: 'append',
        id,
        run_id: runId,
        lines,
        cap,
        want_lines: wantLines,
      };
      // Copied, not transferred: a batch that fails is counted from these lines (run-log-buffer.ts).
      thread.worker.postMessage(request);
    });
  }

  /** Tests of a full disk: SQLite's max_page_count on the writer's connection (null: as opened). */
  setPageLimit(pages: number | null): void {
    this.pageLimit = pages;
    this.thread?.worker.postMessage({ type: 'page_limit', pages } satisfies LogWriterRequest);
  }

  /** Closes the thread once its queue is done (the engine has drained every run's lines). */
  async close(): Promise<void> {
    this.closed = true;
    this.idle.cancel();
    const thread = this.thread;
    if (!thread) return;
    thread.worker.postMessage({ type: 'close' } satisfies LogWriterRequest);
    await thread.exited;
  }

  private ensureThread(): Thread {
    if (this.thread) return this.thread;
    const start: StoreConnectionStart = {
      path: this.options.databasePath,
      writeLock: this.options.writeLock.buffer,
      nativeBinding: this.options.nativeBinding ?? null,
      pageLimit: this.pageLimit,
    };
    const worker = new Worker(this.options.threadPath, { workerData: start });
    let failure: Error | null = null;
    const waiting = new Map<number, Waiter>();
    const thread: Thread = {
      worker,
      waiting,
      exited: new Promise<void>((resolve) => {
        worker.once('exit', (code) => {
          if (this.thread === thread) this.thread = null;
          // A thread that died inside a transaction must not leave the engine's writes waiting.
          this.options.writeLock.releaseAbandoned(WRITE_LOCK_OWNERS.logWriter);
          const why = failure ?? new Error(`the log writer thread stopped (exit code ${code})`);
          for (const waiter of waiting.values()) waiter.reject(why);
          waiting.clear();
          resolve();
        });
      }),
    };
    worker.on('error', (error: Error) => (failure = error));
    worker.on('message', (reply: LogWriterReply) => this.onReply(thread, reply));
    this.thread = thread;
    return thread;
  }

  private onReply(thread: Thread, reply: LogWriterReply): void {
    const waiter = thread.waiting.get(reply.id);
    if (!waiter) return;
    thread.waiting.delete(reply.id);
    if (thread.waiting.size === 0 && this.thread === thread) this.idle.arm();
    if (!reply.ok) {
      waiter.reject(new JobtrayError(reply.code ?? 'internal', reply.message, reply.details));
      return;
    }
    waiter.resolve(reply.lines);
  }

  private closeIdle(): void {
    const thread = this.thread;
    if (!thread || thread.waiting.size > 0) return;
    this.thread = null;
    thread.worker.postMessage({ type: 'close' } satisfies LogWriterRequest);
  }
}
