/**
 * One writer at a time across the threads that hold a connection to the run
 * store (the engine's thread, the log writer's, main/engine/log-writer.ts,
 * and the command supervisor's, workers/command-supervisor.ts), through a
 * word of shared memory. SQLite serializes writers too, but a connection that
 * finds the database locked sleeps in steps of 1, 2, 5, 10 ms… (busy_timeout)
 * even when the other one's transaction takes microseconds; here the waiting
 * thread wakes as soon as the lock is released.
 *
 * Held only around one transaction (Store.transaction), never across an
 * await; busy_timeout stays as the safety net (another process, a backup).
 * The word holds who holds the lock (WRITE_LOCK_OWNERS), so a lock left by a
 * thread that died is freed for that thread only.
 */
const FREE = 0;
/** Who may hold the lock: each connection's thread has its own number. */
export const WRITE_LOCK_OWNERS = { engine: 1, logWriter: 2, commandSupervisor: 3 } as const;
export type WriteLockOwner = (typeof WRITE_LOCK_OWNERS)[keyof typeof WRITE_LOCK_OWNERS];
/** A waiter re-checks at least this often (a holder that died without releasing is not waited for forever by one wait). */
const WAIT_SLICE_MS = 50;

export class WriteLock {
  private readonly word: Int32Array;
  /** Nested transactions (savepoints) of this thread inside the held lock. */
  private depth = 0;

  /** `buffer`: 4 bytes of SharedArrayBuffer, the same for every thread (new ones: WriteLock.create()); `owner`: this thread. */
  constructor(
    readonly buffer: SharedArrayBuffer,
    private readonly owner: WriteLockOwner = WRITE_LOCK_OWNERS.engine,
  ) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  static create(): WriteLock {
    return new WriteLock(new SharedArrayBuffer(4));
  }

  /** Runs `fn` holding the lock (re-entrant within this thread). */
  hold<T>(fn: () => T): T {
    if (this.depth === 0) {
      for (;;) {
        const holder = Atomics.compareExchange(this.word, 0, FREE, this.owner);
        if (holder === FREE) break;
        Atomics.wait(this.word, 0, holder, WAIT_SLICE_MS);
      }
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
   * Frees the lock if `owner`'s thread, which died inside a transaction (see
   * LogWriter and CommandSupervisor), left it held; held by anyone else, it
   * stays held.
   */
  releaseAbandoned(owner: WriteLockOwner): void {
    if (Atomics.compareExchange(this.word, 0, owner, FREE) === owner) Atomics.notify(this.word, 0);
  }
}
