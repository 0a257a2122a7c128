import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { coerceError } from '../contract/errors.js';
import type { LogLevel, LogLineInput, LogStream } from '../contract/model.js';
import {
  logSegmentEnd,
  packLogLines,
  packedTransferList,
  type WorkerOutcome,
  type WorkerRunSpec,
  type WorkerToEngine,
} from '../contract/worker-protocol.js';
import { artifactNameProblem, isFatalError, type ArtifactSource } from './job-api.js';

/**
 * What a worker posts to the engine for one attempt, in order: log lines
 * (batched, with flow control), throttled progress, artifacts; and how a
 * failure is described. Shared by the one-attempt worker (run-job.ts) and the
 * command supervisor (command-supervisor.ts).
 */

const LOG_FLUSH_MS = 25;
const LOG_BATCH_MAX = 500;
const PROGRESS_MIN_INTERVAL_MS = 50;

type LogEntry = LogLineInput;
export type Failure = Extract<WorkerOutcome, { ok: false }>;

/** Posts one message to the engine (the worker's port, or the command supervisor's per-run wrapper). */
export type PostToEngine = (message: WorkerToEngine, transfer?: ArrayBuffer[]) => void;

/**
 * Buffers log lines (posted every LOG_FLUSH_MS or LOG_BATCH_MAX lines) and
 * throttles progress (one message per PROGRESS_MIN_INTERVAL_MS, the latest
 * value wins). Any other message is posted after the buffered log lines, so
 * the engine sees lines and events in the order they happened.
 *
 * Flow control (WorkerRunSpec.log_window): at most `window` lines are posted
 * and not yet acknowledged; further lines wait here (a command's output
 * readers pause meanwhile, see `congested`). Messages other than log lines
 * and the final flush post the held lines regardless, to keep the order.
 */
export class Outbox {
  private lines: LogEntry[] = [];
  private logTimer: NodeJS.Timeout | null = null;
  private pendingProgress: { percent: number | null; step: string | null } | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private lastProgressAt = -Infinity;
  private unacknowledged = 0;
  private openListeners: (() => void)[] = [];

  /**
   * `keep`, when given, is offered each batch of log lines first: true means
   * it took them (the command supervisor stores them itself), and they are
   * not posted; they count against the window all the same.
   */
  constructor(
    private readonly post: PostToEngine,
    private readonly window = Infinity,
    private readonly keep: ((lines: LogLineInput[]) => boolean) | null = null,
  ) {}

  /** True while the engine is a whole window behind: readers of job output should pause until `onceOpen`. */
  get congested(): boolean {
    return this.unacknowledged >= this.window;
  }

  /** Calls `listener` once the window has room again. */
  onceOpen(listener: () => void): void {
    this.openListeners.push(listener);
  }

  /** The engine stored `lines` more of the posted lines. */
  acknowledge(lines: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - lines);
    this.flushLogs();
    if (this.congested) return;
    const listeners = this.openListeners;
    this.openListeners = [];
    for (const listener of listeners) listener();
  }

  log(stream: LogStream, level: LogLevel, message: string): void {
    this.lines.push({ ts: Date.now(), stream, level, message });
    if (this.lines.length >= LOG_BATCH_MAX) this.flushLogs();
    else this.logTimer ??= setTimeout(() => this.flushLogs(), LOG_FLUSH_MS).unref();
  }

  /**
   * Every progress update is also a log line of stream `progress`, in order
   * with the other lines (the history keeps each step); the live progress
   * message is throttled.
   */
  progress(percent: number | null, step: string | null): void {
    const clamped = clampPercent(percent);
    this.log(
      'progress',
      'info',
      `${clamped === null ? '' : `${clamped}%`}${step ? ` ${step}` : ''}`.trim() || 'progress',
    );
    this.pendingProgress = { percent: clamped, step };
    const wait = this.lastProgressAt + PROGRESS_MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flushProgress();
    else this.progressTimer ??= setTimeout(() => this.flushProgress(), wait).unref();
  }

  send(message: WorkerToEngine): void {
    this.flushLogs(true);
    this.post(message);
  }

  /** Posts everything still buffered (before the result). */
  flush(): void {
    this.flushLogs(true);
    this.flushProgress();
  }

  /** Posts buffered lines in batches of at most LOG_BATCH_MAX (and LOG_SEGMENT_CHARS): while the window has room, or all of them when `force`. */
  private flushLogs(force = false): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = null;
    while (this.lines.length > 0 && (force || !this.congested)) {
      const end = logSegmentEnd(this.lines, 0, LOG_BATCH_MAX);
      const lines = end === this.lines.length ? this.lines : this.lines.splice(0, end);
      if (lines === this.lines) this.lines = [];
      this.unacknowledged += lines.length;
      if (this.keep?.(lines)) continue;
      const packed = packLogLines(lines);
      this.post({ type: 'log', packed }, packedTransferList(packed));
    }
  }

  private flushProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    if (!this.pendingProgress) return;
    const { percent, step } = this.pendingProgress;
    this.pendingProgress = null;
    this.lastProgressAt = performance.now();
    this.send({ type: 'progress', percent, step });
  }
}

function clampPercent(percent: number | null): number | null {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) return null;
  return Math.min(100, Math.max(0, percent));
}

/** A log message from job code: strings as they are, anything else (errors with their stack) inspected. */
export function describe(message: unknown): string {
  return typeof message === 'string' ? message : inspect(message);
}

export function failure(code: Failure['code'], error: Error, extra: Partial<Failure> = {}): Failure {
  return {
    ok: false,
    code,
    message: error.message,
    stack: error.stack ?? null,
    exit_code: null,
    signal: null,
    ...extra,
  };
}

/** How a throw from job code ends the run: aborted (after cancel) > fatal > exception. */
export function failureFromThrow(thrown: unknown, signal: AbortSignal): Failure {
  const error = coerceError(thrown);
  if (signal.aborted) return failure('aborted', error);
  return failure(isFatalError(thrown) ? 'fatal' : 'exception', error);
}

/** statSync that reports instead of throwing: the Stats, or the error code (ENOENT, EACCES, …). */
export function tryStat(file: string): Stats | string {
  try {
    return statSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? coerceError(error).message;
  }
}

/**
 * Checks an artifact and posts it; returns why it was not posted, or null.
 * `source` comes from job code (plain JS), so its shape is checked here.
 * Path sources resolve against the job's cwd and must be existing files.
 */
export function postArtifact(
  outbox: Outbox,
  spec: WorkerRunSpec,
  name: string,
  source: ArtifactSource | undefined,
): string | null {
  const prefix = `Artifact ${JSON.stringify(name)} of job "${spec.job_id}" (run ${spec.run_id}) was not saved`;
  const nameProblem = artifactNameProblem(name);
  if (nameProblem) return `${prefix}: the name is not a safe file name (${nameProblem})`;
  if (typeof source !== 'object' || source === null) return `${prefix}: pass { path } or { data } as the source`;
  if ('data' in source) {
    if (typeof source.data !== 'string' && !(source.data instanceof Uint8Array)) {
      return `${prefix}: data must be a string or a Uint8Array`;
    }
    outbox.send({ type: 'artifact', name, path: null, data: source.data });
    return null;
  }
  if (typeof source.path !== 'string' || source.path === '') return `${prefix}: path must be a non-empty string`;
  const absolute = path.resolve(spec.cwd, source.path);
  const stats = tryStat(absolute);
  if (typeof stats === 'string')
    return `${prefix}: ${absolute} ${stats === 'ENOENT' ? 'does not exist' : `cannot be read (${stats})`}`;
  if (!stats.isFile()) return `${prefix}: ${absolute} is not a regular file`;
  outbox.send({ type: 'artifact', name, path: absolute, data: null });
  return null;
}
