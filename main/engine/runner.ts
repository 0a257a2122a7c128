import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EngineToWorker, WorkerOutcome, WorkerRunSpec, WorkerToEngine } from '../../contract/worker-protocol.js';
import { CommandSupervisor, type SupervisorLogStore } from './command-supervisor.js';

// Bree 9 is CommonJS.
const require = createRequire(import.meta.url);
const Bree = require('bree') as BreeConstructor;

interface BreeJob {
  name: string;
  path: string;
  worker?: Record<string, unknown>;
}
interface BreeInstance {
  workers: Map<string, Worker>;
  add(jobs: BreeJob | BreeJob[]): Promise<unknown>;
  run(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  stop(): Promise<void>;
}
type BreeConstructor = new (config: Record<string, unknown>) => BreeInstance & {
  createWorker(filename: string, options: WorkerOptions): Worker;
};

/** A warm worker is kept this long after the last attempt started; an idle engine holds none. */
const WARM_WORKER_IDLE_MS = 5 * 60_000;

/** How long a worker may live on after posting its result. */
const RESULT_EXIT_GRACE_MS = 1_000;

/** How a worker ended. `outcome` is null when it exited without reporting one. */
export interface AttemptExit {
  outcome: WorkerOutcome | null;
  exitCode: number;
  /** An `error` event of the worker (uncaught exception, out of memory). */
  error: Error | null;
  /** The worker already SIGKILLed every process carrying the run key after the command ended (the command supervisor). */
  swept?: boolean;
}

export interface AttemptHandle {
  readonly runId: number;
  /** Asks the worker to stop gracefully (AbortSignal / SIGTERM to the process group). */
  cancel(reason: Extract<EngineToWorker, { type: 'cancel' }>['reason']): void;
  /** Tells the worker that `lines` more of its log lines are stored (flow control, WorkerRunSpec.log_window). */
  acknowledgeLogs(lines: number): void;
  /** Forced stop: terminates the worker thread. */
  terminate(): Promise<void>;
  /** Settles once the worker thread has exited. */
  readonly exited: Promise<AttemptExit>;
}

export interface AttemptCallbacks {
  onMessage(message: Exclude<WorkerToEngine, { type: 'result' }>): void;
  /** Lines the worker thread wrote to its own stdout/stderr (outside the job API). */
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
}

export interface RunnerOptions {
  /** Absolute path of the compiled worker entry (dist/workers/run-job.js). */
  workerPath: string;
  /** Absolute path of the compiled command supervisor (default: command-supervisor.js beside workerPath). */
  supervisorPath?: string;
  /** Keep one worker started ahead of time while runs happen (default true). */
  warmWorker?: boolean;
  /** Where the command supervisor stores its commands' output (absent: it posts every line to the engine). */
  logStore?: SupervisorLogStore;
}

/**
 * One worker thread started ahead of time, its modules loaded, waiting for an
 * attempt (the `start` message). Starting a thread is most of a run's start-up
 * cost; while an engine is busy, the next run skips it. Each attempt still gets
 * a thread of its own: a warm worker is used once.
 */
class WarmWorker {
  private spare: { worker: Worker; memoryMb: number } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly workerPath: string) {}

  /** The spare, handed its attempt, or null when there is none fitting these options. */
  take(filename: string, options: WorkerOptions): Worker | null {
    // Another entry (the command supervisor) leaves the spare alone.
    if (filename !== this.workerPath) return null;
    const spare = this.spare;
    this.spare = null;
    const memoryMb = options.resourceLimits?.maxOldGenerationSizeMb;
    const run = (options.workerData as { run?: WorkerRunSpec } | undefined)?.run;
    if (!spare || !run || spare.memoryMb !== memoryMb) {
      if (spare) void spare.worker.terminate();
      return null;
    }
    spare.worker.removeAllListeners('exit');
    const message: EngineToWorker = { type: 'start', run };
    spare.worker.postMessage(message);
    return spare.worker;
  }

  /** Starts the next spare (after the current attempt got going) and keeps it until the engine is idle. */
  refill(memoryMb: number): void {
    if (this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.drop(), WARM_WORKER_IDLE_MS);
    this.idleTimer.unref();
    setImmediate(() => {
      if (this.closed || this.spare) return;
      const worker = new Worker(this.workerPath, {
        resourceLimits: { maxOldGenerationSizeMb: memoryMb },
        stdout: true,
        stderr: true,
      });
      const spare = { worker, memoryMb };
      // A spare that dies while waiting is simply not used.
      worker.once('exit', () => {
        if (this.spare === spare) this.spare = null;
      });
      worker.on('error', () => {});
      this.spare = spare;
    });
  }

  drop(): void {
    if (this.spare) void this.spare.worker.terminate();
    this.spare = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const spare = this.spare;
    this.spare = null;
    if (spare) await spare.worker.terminate();
  }
}

/**
 * Bree behind our own module: the engine decides what runs when;
 * Bree owns the worker threads. Each script attempt is a Bree job of its own,
 * named after the run id, added, run once and removed again — so params, run
 * ids and outcomes stay ours and Bree only ever sees an absolute file path.
 * Command attempts go to the command supervisor (command-supervisor.ts), one
 * long-lived Bree job that runs them all.
 */
export class Runner {
  private readonly bree: BreeInstance;
  private readonly handles = new Map<number, AttemptHandle>();
  private readonly warm: WarmWorker | null;
  private readonly supervisor: CommandSupervisor;

  constructor(private readonly options: RunnerOptions) {
    const warm = options.warmWorker === false ? null : new WarmWorker(options.workerPath);
    this.warm = warm;
    // Bree creates every worker through createWorker: there a warm one is handed out when it fits.
    class WarmBree extends Bree {
      override createWorker(filename: string, workerOptions: WorkerOptions): Worker {
        return warm?.take(filename, workerOptions) ?? super.createWorker(filename, workerOptions);
      }
    }
    this.bree = new WarmBree({
      root: false,
      jobs: [],
      logger: false,
      // Without these Bree logs every worker message (200k log lines = 200k console lines).
      workerMessageHandler: () => {},
      errorHandler: () => {},
      // Bree's own timers are never started: the engine schedules.
      doRootCheck: false,
    });
    const supervisorPath =
      options.supervisorPath ?? path.join(path.dirname(options.workerPath), 'command-supervisor.js');
    this.supervisor = new CommandSupervisor(
      {
        start: async (name, workerData) => {
          await this.bree.add({ name, path: supervisorPath, worker: { workerData } });
          await this.bree.run(name);
          const worker = this.bree.workers.get(name);
          if (worker) return worker;
          await this.bree.remove(name).catch(() => {});
          throw new Error(`Bree did not start the command supervisor (${supervisorPath})`);
        },
        remove: (name) => this.bree.remove(name),
      },
      options.logStore ?? null,
    );
  }

  /** Tests of a full disk: the page limit of the command supervisor's connection. */
  setPageLimit(pages: number | null): void {
    this.supervisor.setPageLimit(pages);
  }

  get activeCount(): number {
    return this.handles.size;
  }

  async start(spec: WorkerRunSpec, memoryMb: number, callbacks: AttemptCallbacks): Promise<AttemptHandle> {
    if (spec.kind === 'command') return this.track(await this.supervisor.start(spec, callbacks));
    const name = `run-${spec.run_id}`;
    await this.bree.add({
      name,
      path: this.options.workerPath,
      worker: {
        workerData: { run: spec },
        resourceLimits: { maxOldGenerationSizeMb: memoryMb },
        stdout: true,
        stderr: true,
      },
    });
    await this.bree.run(name);
    this.warm?.refill(memoryMb);
    const worker = this.bree.workers.get(name);
    if (!worker) {
      await this.bree.remove(name).catch(() => {});
      throw new Error(`Bree did not start a worker for run ${spec.run_id}`);
    }

    let outcome: WorkerOutcome | null = null;
    let error: Error | null = null;
    let lingering: NodeJS.Timeout | null = null;
    worker.on('message', (message: WorkerToEngine) => {
      if (message.type !== 'result') return callbacks.onMessage(message);
      outcome = message.outcome;
      // A job that leaves a timer or socket open keeps its thread alive after its result: end it.
      lingering = setTimeout(() => void worker.terminate(), RESULT_EXIT_GRACE_MS);
    });
    worker.on('error', (err: Error) => {
      error = err;
    });
    const outputDone = Promise.all([
      readLines(worker.stdout, (line) => callbacks.onOutput('stdout', line)),
      readLines(worker.stderr, (line) => callbacks.onOutput('stderr', line)),
    ]);
    const exited = new Promise<AttemptExit>((resolve) => {
      worker.once('exit', (exitCode: number) => {
        if (lingering) clearTimeout(lingering);
        void outputDone.then(async () => {
          this.handles.delete(spec.run_id);
          await this.bree.remove(name).catch(() => {});
          resolve({ outcome, exitCode, error });
        });
      });
    });

    const post = (message: EngineToWorker) => {
      try {
        worker.postMessage(message);
      } catch {
        // The worker is already gone; its exit settles the attempt.
      }
    };
    const handle: AttemptHandle = {
      runId: spec.run_id,
      cancel: (reason) => post({ type: 'cancel', reason }),
      acknowledgeLogs: (lines) => post({ type: 'logs_written', lines }),
      terminate: async () => {
        await worker.terminate();
      },
      exited,
    };
    return this.track(handle);
  }

  /** Keeps the handle until its attempt exited (activeCount, close). */
  private track(handle: AttemptHandle): AttemptHandle {
    this.handles.set(handle.runId, handle);
    void handle.exited.then(() => {
      if (this.handles.get(handle.runId) === handle) this.handles.delete(handle.runId);
    });
    return handle;
  }

  /** Terminates every worker still running (the engine has already tried the graceful path). */
  async close(): Promise<void> {
    await this.warm?.close();
    const pending = [...this.handles.values()];
    await Promise.all(pending.map((h) => h.terminate()));
    await Promise.all(pending.map((h) => h.exited));
    await this.supervisor.close();
  }
}

function readLines(stream: Readable | null | undefined, onLine: (line: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.once('close', () => resolve());
  });
}
