/**
 * One writer at a time across the threads that hold a connection to the run
 * store (the engine's thread and the log writer's, main/engine/log-writer.ts),
 * through a word of shared memory. SQLite serializes writers too, but a
 * connection that finds the database locked sleeps in steps of 1, 2, 5, 10 ms…
 * (busy_timeout) even when the other one's transaction takes microseconds;
 * here the waiting thread wakes as soon as the lock is released.
 *
 * Held only around one transaction (Store.transaction), never across an
 * await; busy_timeout stays as the safety net (another process, a backup).
 */
const FREE = 0;
const HELD = 1;
/** A waiter re-checks at least this often (a holder that died without releasing is not waited for forever by one wait). */
const WAIT_SLICE_MS = 50;

export class WriteLock {
  private readonly word: Int32Array;
  /** Nested transactions (savepoints) of this thread inside the held lock. */
  private depth = 0;

  /** `buffer`: 4 bytes of SharedArrayBuffer, the same for every thread (new ones: WriteLock.create()). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  static create(): WriteLock {
    return new WriteLock(new SharedArrayBuffer(4));
  }

  /** Runs `fn` holding the lock (re-entrant within this thread). */
  hold<T>(fn: () => T): T {
    if (this.depth === 0) {
      while (Atomics.compareExchange(this.word, 0, FREE, HELD) !== FREE)
        Atomics.wait(this.word, 0, HELD, WAIT_SLICE_MS);
    }
    this.depth += 1;
    try {
      return fn();
    } finally {
      this.depth -= 1;
      if (this.depth === 0) {
        Atomics.store(this.word, 0, FREE);
        Atomics.notify(this.word, 0, 1);
      }
    }
  }

  /**
   * Frees a lock left held by a thread that died inside a transaction (the
   * log writer's, see LogWriter). Only while this thread does not hold it.
   */
  releaseAbandoned(): void {
    if (this.depth > 0) return;
    Atomics.store(this.word, 0, FREE);
    Atomics.notify(this.word, 0);
  }
}
