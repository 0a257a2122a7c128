/**
 * The engine's storage problem state: a write to the data directory failed
 * for lack of space or an I/O error (storage-errors.ts), and the engine goes
 * on without it until writing works again.
 *
 * While a problem lasts:
 * - `writable` is false: no new run starts (dispatch waits, manual triggers
 *   get `storage_full` from assertWritable), scheduled fires are held here
 *   (holdFire) and recorded as skipped runs afterwards;
 * - the writes that must happen eventually (a run's final state, a job's
 *   state, an audit entry) wait here in order (defer);
 * - a probe write is retried, PROBE_FIRST_MS after the failure and then with
 *   backoff up to PROBE_MAX_MS; the first that works (with MIN_FREE_BYTES
 *   free) runs the waiting writes in order and ends the problem.
 *
 * Invariants:
 * - Nothing here throws into its caller's timer or handler: failures are
 *   classified, logged, or kept for later.
 * - A deferred write runs until it succeeds once, then its `then` once.
 * - Every held fire is counted in the problem and recorded once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JobtrayError } from '../../contract/errors.js';
import type { RunTrigger, StorageProblem } from '../../contract/model.js';
import { storageAlert, storageRecoveredAlert } from './alerts.js';
import type { EngineEvents } from './events.js';
import type { Logger } from './logger.js';
import { classifyStorageError, storageFullError } from './storage-errors.js';

/** The first probe after a failure, and the longest wait between two (the backoff's cap). */
export const PROBE_FIRST_MS = 2_000;
export const PROBE_MAX_MS = 5_000;
/** Writing counts as working again only with this much free space, so one freed page does not end the problem for a moment. */
export const MIN_FREE_BYTES = 1024 * 1024;
/** A job's held fires are listed one by one up to this many; later ones are summed into the last. */
export const HELD_FIRES_LISTED = 500;

/** One held scheduled fire, or (`count` > 1) several summed from `at` to `until`. */
export interface HeldFire {
  at: number;
  until: number;
  count: number;
  trigger: RunTrigger;
  /** The problem's message when the fire was held. */
  reason: string;
}

/** What the storage guard needs from the engine. */
export interface StorageGuardContext {
  readonly events: Pick<EngineEvents, 'emit'>;
  readonly logger: Logger;
  /** Named when a failure does not name its file. */
  readonly dataDir: string;
  /** A write that needs new space (Store.probeWrite); throws while writing fails. */
  probe(): void;
  /** Records a job's held fires as skipped runs, all or none; throws while writing fails. */
  recordHeldFires(jobId: string, fires: readonly HeldFire[]): void;
  /** A problem began, held a fire or ended: health follows. */
  changed(): void;
  /** Writing works again and every waiting write is done: held runs may start. */
  recovered(): void;
}

interface PendingWrite {
  what: string;
  write(): void;
}

/** Free space of the volume holding `target` (or its nearest existing parent), null when unknown. */
function freeBytes(target: string): number | null {
  let dir = target;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

export class StorageGuard {
  private state: StorageProblem | null = null;
  /** Set while the waiting writes run after a good probe (the problem lasts until they are done): new writes queue behind them, and a failure ends the pass. */
  private recovering = false;
  private failedWhileRecovering = false;
  private readonly pending: PendingWrite[] = [];
  private readonly held = new Map<string, HeldFire[]>();
  private probeTimer: NodeJS.Timeout | null = null;
  private probeDelay = PROBE_FIRST_MS;
  private closed = false;

  constructor(private readonly ctx: StorageGuardContext) {}

  /** Whether new runs may start and writes go straight to the store. */
  get writable(): boolean {
    return this.state === null && !this.recovering;
  }

  /** The problem now, or null. */
  problem(): StorageProblem | null {
    return this.state && { ...this.state };
  }

  /**
   * Takes in a failed write: a storage failure starts the problem (once) and
   * returns true; anything else is logged as `what` failed and returns false.
   */
  noteFailure(error: unknown, what: string): boolean {
    const failure = classifyStorageError(error);
    if (!failure) {
      this.ctx.logger.error(`${what} failed`, error);
      return false;
    }
    if (this.recovering) this.failedWhileRecovering = true;
    if (this.state) return true;
    const file = failure.path ?? this.ctx.dataDir;
    const converted =
      error instanceof JobtrayError && error.code === 'storage_full'
        ? error
        : storageFullError({ ...failure, path: file }, error);
    this.state = {
      code: failure.code,
      path: file,
      free_bytes: freeBytes(file),
      since: Date.now(),
      message: converted.message,
      dropped_log_lines: 0,
      held_fires: 0,
    };
    this.ctx.logger.error(
      `storage problem (${what}): ${converted.message}; new runs are held until writing works again`,
    );
    this.ctx.events.emit('job:alert', storageAlert(this.state));
    this.ctx.changed();
    this.armProbe(PROBE_FIRST_MS);
    return true;
  }

  /** Throws `storage_full` naming the path while a problem lasts: no new run may start. */
  assertWritable(): void {
    const problem = this.state;
    if (!problem) return;
    throw new JobtrayError(
      'storage_full',
      `cannot start a run now: ${problem.message}; runs start again once writing works (retried every few seconds)`,
    );
  }

  /** Log lines of a running run that could not be written. */
  countDropped(lines: number): void {
    if (this.state) this.state.dropped_log_lines += lines;
  }

  /** A scheduled fire of `jobId` at `at` that did not start a run; recorded as a skipped run once writing works. */
  holdFire(jobId: string, at: number, trigger: RunTrigger): void {
    const problem = this.state;
    if (!problem) return;
    problem.held_fires += 1;
    let fires = this.held.get(jobId);
    if (!fires) {
      const list: HeldFire[] = [];
      this.held.set(jobId, list);
      this.pending.push({
        what: `recording the held fires of job "${jobId}"`,
        write: () => {
          this.ctx.recordHeldFires(jobId, list);
          this.held.delete(jobId);
        },
      });
      fires = list;
    }
    const last = fires.at(-1);
    if (last && fires.length >= HELD_FIRES_LISTED) {
      last.count += 1;
      last.until = at;
    } else {
      fires.push({ at, until: at, count: 1, trigger, reason: problem.message });
    }
    this.ctx.changed();
  }

  /**
   * Does `write` now or, when writing fails (or a problem lasts), once it works
   * again, in the order deferred; then `then` with its result, once. `write`
   * must be all or nothing (one store transaction): it may run several times.
   */
  defer<T>(what: string, write: () => T, then?: (result: T) => void): void {
    const item: PendingWrite = {
      what,
      write: () => {
        const result = write();
        if (!then) return;
        try {
          then(result);
        } catch (error) {
          this.noteFailure(error, `${what} (after the write)`);
        }
      },
    };
    if (!this.writable) {
      this.pending.push(item);
      return;
    }
    try {
      item.write();
    } catch (error) {
      if (this.noteFailure(error, what)) this.pending.push(item);
    }
  }

  /** Tries writing again now, and ends the problem when it works. Returns whether writing works. */
  probeNow(): boolean {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    const problem = this.state;
    if (!problem) return true;
    problem.free_bytes = freeBytes(problem.path);
    if (!this.closed && problem.free_bytes !== null && problem.free_bytes < MIN_FREE_BYTES) return this.retryLater();
    this.recovering = true;
    this.failedWhileRecovering = false;
    let done: boolean;
    try {
      done = this.probeWrite() && this.runPending() && !this.failedWhileRecovering;
    } finally {
      this.recovering = false;
    }
    if (!done) return this.retryLater();
    this.state = null;
    this.probeDelay = PROBE_FIRST_MS;
    const now = Date.now();
    this.ctx.logger.info(
      `storage: writing to ${problem.path} works again; ${problem.held_fires} held fires recorded, ${problem.dropped_log_lines} log lines dropped`,
    );
    this.ctx.events.emit('job:alert', storageRecoveredAlert(problem, now));
    this.ctx.changed();
    this.ctx.recovered();
    return true;
  }

  /** Stops probing after one last try of the waiting writes (the engine closes); logs what could not be written. */
  close(): void {
    this.closed = true;
    this.probeNow();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    if (this.pending.length === 0) return;
    const what = this.pending.map((item) => item.what).join('; ');
    this.ctx.logger.error(
      `storage: ${this.pending.length} writes could not be done before closing (${what}); runs left running are recorded as interrupted at the next start`,
    );
  }

  private probeWrite(): boolean {
    try {
      this.ctx.probe();
      return true;
    } catch (error) {
      this.noteFailure(error, 'the storage probe');
      return false;
    }
  }

  /** Runs the waiting writes in order; false at the first that fails for lack of space or I/O (it and the rest keep waiting). */
  private runPending(): boolean {
    while (this.pending.length > 0) {
      const item = this.pending[0]!;
      try {
        item.write();
      } catch (error) {
        if (this.noteFailure(error, item.what)) return false;
        // Anything else would fail again: logged (noteFailure) and dropped.
      }
      this.pending.shift();
    }
    return true;
  }

  private retryLater(): false {
    this.armProbe(Math.min(Math.round(this.probeDelay * 1.5), PROBE_MAX_MS));
    return false;
  }

  private armProbe(delay: number): void {
    if (this.closed) return;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeDelay = delay;
    this.probeTimer = setTimeout(() => {
      try {
        this.probeNow();
      } catch (error) {
        this.ctx.logger.error('storage probe failed', error);
        this.armProbe(PROBE_MAX_MS);
      }
    }, delay);
  }
}
