import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { LogLevel, LogStream } from '../../contract/model.js';
import {
  unpackLogLines,
  type EngineToWorker,
  type WorkerOutcome,
  type WorkerRunSpec,
  type WorkerToEngine,
} from '../../contract/worker-protocol.js';
import { track } from './open-handles.js';

/** The compiled worker entry (the vitest global setup builds it). */
export const WORKER_FILE = fileURLToPath(new URL('../../dist/workers/run-job.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/scripts/', import.meta.url));

export interface RunWorkerOptions {
  resourceLimits?: ResourceLimits;
  /** Sends `{type:'cancel', reason}` once, after the first message for which this returns true. */
  cancelWhen?: (message: WorkerToEngine) => boolean;
  cancelReason?: Extract<EngineToWorker, { type: 'cancel' }>['reason'];
  /** The worker is terminated (and the promise rejects) when it has not exited by then. */
  timeoutMs?: number;
}

export interface WorkerRun {
  messages: WorkerToEngine[];
  exitCode: number;
  result: WorkerOutcome | null;
  /** The worker's 'error' event, if any (e.g. ERR_WORKER_OUT_OF_MEMORY). */
  error: (Error & { code?: string }) | null;
}

export function scriptSpec(script: string, overrides: Partial<WorkerRunSpec> = {}): WorkerRunSpec {
  return baseSpec({ kind: 'script', script, ...overrides });
}

export function commandSpec(argv: string[], overrides: Partial<WorkerRunSpec> = {}): WorkerRunSpec {
  return baseSpec({ kind: 'command', argv, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, ...overrides });
}

function baseSpec(overrides: Partial<WorkerRunSpec>): WorkerRunSpec {
  return {
    run_id: 1,
    job_id: 'test-job',
    attempt: 1,
    params: {},
    kind: 'script',
    argv: null,
    script: null,
    cwd: FIXTURES,
    env: {},
    ...overrides,
  };
}

/**
 * Runs the compiled worker exactly as Bree would (workerData.run = spec) and
 * collects every message until it exits.
 */
export function runWorker(spec: WorkerRunSpec, options: RunWorkerOptions = {}): Promise<WorkerRun> {
  const worker = new Worker(WORKER_FILE, {
    workerData: { run: spec },
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  });
  let open = true;
  track({
    name: `run-job worker (${spec.job_id})`,
    isOpen: () => open,
    close: () => worker.terminate().then(() => undefined),
  });

  const messages: WorkerToEngine[] = [];
  let error: WorkerRun['error'] = null;
  let cancelled = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`worker for ${spec.job_id} did not exit within ${options.timeoutMs ?? 20_000} ms`));
    }, options.timeoutMs ?? 20_000);
    worker.on('message', (message: WorkerToEngine) => {
      messages.push(message);
      if (!cancelled && options.cancelWhen?.(message)) {
        cancelled = true;
        worker.postMessage({ type: 'cancel', reason: options.cancelReason ?? 'cancel' } satisfies EngineToWorker);
      }
    });
    worker.on('error', (err) => {
      error = err;
    });
    worker.on('exit', (exitCode) => {
      open = false;
      clearTimeout(timer);
      const result = messages.find((m) => m.type === 'result');
      resolve({ messages, exitCode, result: result?.type === 'result' ? result.outcome : null, error });
    });
  });
}

export interface CollectedLine {
  stream: LogStream;
  level: LogLevel;
  message: string;
}

/** Every log line of a run, in order, without timestamps. */
export function logLines(messages: WorkerToEngine[]): CollectedLine[] {
  return messages.flatMap((m) =>
    m.type === 'log' ? unpackLogLines(m.packed).map(({ stream, level, message }) => ({ stream, level, message })) : [],
  );
}

/** The type of each message, in order (one 'log' per posted batch). */
export function messageTypes(messages: WorkerToEngine[]): WorkerToEngine['type'][] {
  return messages.map((m) => m.type);
}
