/**
 * The engine's side of the command supervisor (workers/command-supervisor.ts):
 * one long-lived worker thread, started through Bree, that runs every command
 * attempt at once, so a command run costs a process spawn instead of a worker
 * thread. Script jobs keep a fresh worker per attempt (runner.ts).
 *
 * Invariants:
 * - Each attempt gets an AttemptHandle like a one-attempt worker's: its
 *   messages in order, `exited` once, after its `result`.
 * - The thread is started on the first command attempt and closed once none
 *   has run for SUPERVISOR_IDLE_MS: an idle engine holds none.
 * - If the thread dies, every attempt it held exits without an outcome and
 *   with the thread's error: the engine handles it like a crashed worker
 *   (attempt.ts kills its tree and processes by run key; the run fails and is
 *   retried per its job's policy). A write lock it held is freed. The next
 *   attempt starts a new thread.
 * - The thread stores its commands' output itself, with a connection of its
 *   own (SupervisorStart); each `start` and acknowledgement tells it the log
 *   cap and whether anyone follows `run:log` (SupervisorLogState), and a page
 *   limit set for tests reaches its connection too.
 */
import type { Worker } from 'node:worker_threads';
import type {
  EngineToSupervisor,
  SupervisorLogState,
  SupervisorStart,
  SupervisorToEngine,
  WorkerOutcome,
  WorkerRunSpec,
} from '../../contract/worker-protocol.js';
import { IdleTimer } from './idle-timer.js';
import { WRITE_LOCK_OWNERS, type WriteLock } from './store/index.js';
import type { AttemptCallbacks, AttemptExit, AttemptHandle } from './runner.js';

/** A supervisor with no attempt is closed after this long. */
export const SUPERVISOR_IDLE_MS = 60_000;

interface Supervised {
  callbacks: AttemptCallbacks;
  outcome: WorkerOutcome | null;
  resolve(exit: AttemptExit): void;
}

interface Thread {
  worker: Worker;
  /** Its Bree job name. */
  name: string;
  attempts: Map<number, Supervised>;
  exited: Promise<void>;
}

/** How a thread is started and removed: through Bree (Runner). */
export interface SupervisorThreads {
  start(name: string, workerData: SupervisorStart): Promise<Worker>;
  remove(name: string): Promise<void>;
}

/** The run store the supervisor's thread writes log lines to (absent: it posts every line to the engine). */
export interface SupervisorLogStore {
  path: string;
  writeLock: WriteLock;
  nativeBinding: string | null;
  /** The log cap and whether anyone follows `run:log`, read for every message that carries them. */
  state(): SupervisorLogState;
}

export class CommandSupervisor {
  private current: Thread | null = null;
  private starting: Promise<Thread> | null = null;
  private readonly idle = new IdleTimer(SUPERVISOR_IDLE_MS, () => this.closeIdle());
  private generation = 0;
  private closed = false;
  private pageLimit: number | null = null;

  constructor(
    private readonly threads: SupervisorThreads,
    private readonly logStore: SupervisorLogStore | null = null,
  ) {}

  private logState(): SupervisorLogState {
    return this.logStore?.state() ?? { cap: Number.MAX_SAFE_INTEGER, follow: true };
  }

  /** Tests of a full disk: SQLite's max_page_count on the thread's connection, now and for a thread started later. */
  setPageLimit(pages: number | null): void {
    this.pageLimit = pages;
    if (this.current) post(this.current, { type: 'page_limit', pages });
  }

  /** Hands the attempt to the supervisor (started first when there is none). */
  async start(spec: WorkerRunSpec, callbacks: AttemptCallbacks): Promise<AttemptHandle> {
    const thread = await this.thread();
    this.idle.cancel();
    const runId = spec.run_id;
    let resolve!: (exit: AttemptExit) => void;
    const exited = new Promise<AttemptExit>((r) => (resolve = r));
    const attempt: Supervised = { callbacks, outcome: null, resolve };
    thread.attempts.set(runId, attempt);
    post(thread, { type: 'start', run: spec, log: this.logState() });
    return {
      runId,
      cancel: (reason) => post(thread, { type: 'cancel', run_id: runId, reason }),
      acknowledgeLogs: (lines) => post(thread, { type: 'logs_written', run_id: runId, lines, log: this.logState() }),
      // Forced stop: the engine has killed the tree; the supervisor drops the attempt, the others go on.
      terminate: async () => {
        if (thread.attempts.get(runId) !== attempt) return;
        post(thread, { type: 'forget', run_id: runId });
        this.end(thread, runId, { outcome: attempt.outcome, exitCode: 1, error: null });
      },
      exited,
    };
  }

  /** Terminates the thread (the engine has stopped every attempt already). */
  async close(): Promise<void> {
    this.closed = true;
    this.idle.cancel();
    const thread = this.current ?? (await this.starting?.catch(() => null)) ?? null;
    if (!thread) return;
    await thread.worker.terminate();
    await thread.exited;
  }

  private thread(): Promise<Thread> {
    if (this.current) return Promise.resolve(this.current);
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  private async launch(): Promise<Thread> {
    if (this.closed) throw new Error('the engine is closing: no command supervisor is started');
    const name = `command-supervisor-${++this.generation}`;
    const store = this.logStore;
    const pageLimit = this.pageLimit;
    const worker = await this.threads.start(name, {
      store: store && {
        path: store.path,
        writeLock: store.writeLock.buffer,
        nativeBinding: store.nativeBinding,
        pageLimit,
      },
    });
    let error: Error | null = null;
    let markExited!: () => void;
    const thread: Thread = {
      worker,
      name,
      attempts: new Map(),
      exited: new Promise<void>((r) => (markExited = r)),
    };
    worker.on('message', (message: SupervisorToEngine) => this.onMessage(thread, message));
    worker.on('error', (err: Error) => (error = err));
    worker.once('exit', (exitCode: number) => {
      // Terminated inside a transaction, it must not leave the other connections' writes waiting.
      this.logStore?.writeLock.releaseAbandoned(WRITE_LOCK_OWNERS.commandSupervisor);
      if (this.current === thread) this.current = null;
      const crash = error ?? new Error(`the command supervisor thread stopped (exit code ${exitCode})`);
      for (const runId of [...thread.attempts.keys()])
        this.end(thread, runId, { outcome: null, exitCode, error: crash });
      void this.threads
        .remove(name)
        .catch(() => {})
        .then(markExited);
    });
    this.current = thread;
    // Set while the thread was starting.
    if (this.pageLimit !== pageLimit) post(thread, { type: 'page_limit', pages: this.pageLimit });
    return thread;
  }

  private onMessage(thread: Thread, { run_id, message }: SupervisorToEngine): void {
    const attempt = thread.attempts.get(run_id);
    if (!attempt) return;
    if (message.type !== 'result') return attempt.callbacks.onMessage(message);
    attempt.outcome = message.outcome;
    this.end(thread, run_id, { outcome: message.outcome, exitCode: 0, error: null, swept: message.swept === true });
  }

  private end(thread: Thread, runId: number, exit: AttemptExit): void {
    const attempt = thread.attempts.get(runId);
    if (!attempt) return;
    thread.attempts.delete(runId);
    attempt.resolve(exit);
    if (thread.attempts.size === 0 && this.current === thread && !this.closed) this.idle.arm();
  }

  private closeIdle(): void {
    const thread = this.current;
    if (!thread || thread.attempts.size > 0) return;
    this.current = null;
    void thread.worker.terminate();
  }
}

function post(thread: Thread, message: EngineToSupervisor): void {
  try {
    thread.worker.postMessage(message);
  } catch {
    // The thread is gone; its exit ends the attempts it held.
  }
}
