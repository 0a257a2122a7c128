import type { LogLevel, LogStream, ParamValues } from './model.js';

/**
 * Messages between the engine (main thread) and the Bree worker that runs one
 * attempt of a job. The worker never posts Bree's `'done'`: it makes Bree drop
 * every `exit` listener, and the engine learns the outcome from `result` + `exit`.
 */

/** What the worker needs to run one attempt; passed as Bree `workerData`. */
export interface WorkerRunSpec {
  run_id: number;
  job_id: string;
  attempt: number;
  params: ParamValues;
  kind: 'command' | 'script';
  /** command jobs: argv with placeholders already filled. */
  argv: string[] | null;
  /** script jobs: absolute module path. */
  script: string | null;
  cwd: string;
  /** Complete environment for the child process (command jobs). */
  env: Record<string, string>;
  /**
   * Log flow control: at most this many log lines posted and not yet
   * acknowledged by `logs_written`; beyond it the worker holds lines back and
   * stops reading a command's output until the engine catches up. Absent: no
   * limit (nothing will acknowledge).
   */
  log_window?: number;
}

export type WorkerToEngine =
  /** The job's own code is about to start (the module is imported / the process spawned). */
  | { type: 'started'; at: number }
  | { type: 'spawned'; pid: number }
  | { type: 'progress'; percent: number | null; step: string | null }
  | { type: 'log'; lines: { ts: number; stream: LogStream; level: LogLevel; message: string }[] }
  | { type: 'artifact'; name: string; path: string | null; data: Uint8Array | string | null }
  | { type: 'result'; outcome: WorkerOutcome };

export type WorkerOutcome =
  | { ok: true; result: unknown }
  | {
      ok: false;
      /** exception | fatal | exit_code | spawn | aborted */
      code: 'exception' | 'fatal' | 'exit_code' | 'spawn' | 'aborted';
      message: string;
      stack: string | null;
      exit_code: number | null;
      signal: string | null;
    };

export type EngineToWorker =
  | { type: 'cancel'; reason: 'timeout' | 'cancel' | 'shutdown' }
  /** The engine has stored this many more of the log lines the worker posted (see WorkerRunSpec.log_window). */
  | { type: 'logs_written'; lines: number }
  /** To a pre-started (warm) worker: the attempt it runs. Cold workers get it as `workerData.run`. */
  | { type: 'start'; run: WorkerRunSpec };
