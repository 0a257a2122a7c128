import type { RunErrorCode, RunRecord, RunState, StopReason } from '../../contract/model.js';
import type { AttemptExit } from './runner.js';
import { resourceExhaustion } from '../../contract/worker-protocol.js';

export interface AttemptSettlement {
  state: Extract<RunState, 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'interrupted'>;
  error: string | null;
  error_code: RunErrorCode | null;
  exit_code: number | null;
  signal: string | null;
  result: unknown;
  reason: string | null;
}

export interface SettleContext {
  /** Set when the engine stopped the attempt; it decides the state whatever the worker reported. */
  stop: { reason: StopReason; by: string; timeoutText: string | null } | null;
  memoryMb: number;
}

/**
 * The final state of one attempt, from how its worker ended. Pure: every
 * branch is tested with plain data (test/unit/outcome.settleAttempt.test.ts).
 */
export function settleAttempt(exit: AttemptExit, ctx: SettleContext): AttemptSettlement {
  const outcome = exit.outcome;
  const exitCode = outcome?.exit_code ?? null;
  const signal = outcome && !outcome.ok ? outcome.signal : null;
  const base = { exit_code: exitCode, signal, result: null as unknown, reason: null as string | null };

  if (ctx.stop?.reason === 'timeout') {
    return {
      ...base,
      state: 'timed_out',
      error: `timed out after ${ctx.stop.timeoutText ?? 'its timeout'}`,
      error_code: 'timeout',
    };
  }
  if (ctx.stop?.reason === 'cancel') {
    return { ...base, state: 'cancelled', error: null, error_code: 'cancelled', reason: `cancelled by ${ctx.stop.by}` };
  }
  if (ctx.stop?.reason === 'shutdown') {
    return {
      ...base,
      state: 'interrupted',
      error: 'the engine shut down while the run was running',
      error_code: 'interrupted',
      reason: 'engine shutdown',
    };
  }
  if (outcome?.ok)
    return { ...base, state: 'succeeded', error: null, error_code: null, result: outcome.result ?? null };
  if (outcome && !outcome.ok) {
    return { ...base, state: 'failed', error: outcome.message, error_code: outcome.code };
  }
  // No result message: the worker died (process.exit, out of memory, crash).
  const workerError = exit.error as (Error & { code?: string }) | null;
  if (workerError?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      ...base,
      state: 'failed',
      error: `the job exceeded its worker memory limit (${ctx.memoryMb} MB) and was stopped`,
      error_code: 'out_of_memory',
    };
  }
  const exhausted = resourceExhaustion(
    workerError?.code ?? /\b(EMFILE|ENFILE|EAGAIN)\b/.exec(workerError?.message ?? '')?.[1],
  );
  if (workerError && exhausted) {
    return {
      ...base,
      state: 'failed',
      error: `the job's worker could not run: ${exhausted} [${workerError.code ?? workerError.message}]`,
      error_code: 'spawn',
    };
  }
  if (workerError) {
    return {
      ...base,
      state: 'failed',
      error: `the job's worker crashed: ${workerError.message}`,
      error_code: 'worker_exit',
    };
  }
  return {
    ...base,
    exit_code: exit.exitCode,
    state: 'failed',
    error: `the job ended its worker (process.exit(${exit.exitCode})) before returning a result`,
    error_code: 'worker_exit',
  };
}

/** Fields written when an attempt settles. */
export function settlementPatch(s: AttemptSettlement, startedAt: number | null, now: number): Partial<RunRecord> {
  return {
    state: s.state,
    error: s.error,
    error_code: s.error_code,
    exit_code: s.exit_code,
    signal: s.signal,
    result: s.result,
    reason: s.reason,
    finished_at: now,
    duration_ms: startedAt === null ? null : now - startedAt,
  };
}
