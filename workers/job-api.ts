import type { ParamValues } from '../contract/model.js';
import type { EngineToWorker } from '../contract/worker-protocol.js';

/**
 * The API a script job sees (README "The jobs file"): a module default-exports
 * (or exports as `run`) `async (ctx: JobContext) => result`.
 */

/**
 * Thrown by a job to end the run without retry. Job authors who cannot import
 * this class may throw any error named `FatalError` or carrying `fatal: true`.
 */
export class FatalError extends Error {
  override readonly name = 'FatalError';
  readonly fatal = true;
}

/** True for our FatalError and for look-alikes from job code (see FatalError). */
export function isFatalError(error: unknown): boolean {
  if (error instanceof FatalError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; fatal?: unknown };
  return candidate.name === 'FatalError' || candidate.fatal === true;
}

export type CancelReason = Extract<EngineToWorker, { type: 'cancel' }>['reason'];

/** The reason `ctx.signal` is aborted with when the engine cancels the run. */
export class RunAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(
    readonly reason: CancelReason,
    runId: number,
    jobId: string,
  ) {
    super(`Run ${runId} of job "${jobId}" was stopped by the engine (reason: ${reason})`);
  }
}

export type ArtifactSource = { path: string } | { data: string | Uint8Array };

export interface JobLog {
  debug(message: unknown): void;
  info(message: unknown): void;
  warn(message: unknown): void;
  error(message: unknown): void;
}

export interface JobContext<P extends ParamValues = ParamValues> {
  params: P;
  runId: number;
  /** 1 for the first attempt. */
  attempt: number;
  jobId: string;
  /**
   * The job's working directory. Script jobs share the engine's process, whose
   * current directory cannot change per worker thread: resolve relative paths
   * against this (`path.join(ctx.cwd, 'out.csv')`).
   */
  cwd: string;
  /** Aborted (with a RunAbortedError) on cancel, timeout or shutdown. */
  signal: AbortSignal;
  /** percent is clamped to 0..100; null keeps only the step. */
  progress(percent: number | null, step?: string): void;
  log: JobLog;
  /** Attaches a file (a path relative to the job's cwd, or the data itself) to the run. */
  artifact(name: string, source: ArtifactSource): Promise<void>;
  FatalError: typeof FatalError;
}

export type JobFunction = (ctx: JobContext) => unknown;

export { MAX_ARTIFACT_NAME_LENGTH, artifactNameProblem } from '../contract/model.js';
