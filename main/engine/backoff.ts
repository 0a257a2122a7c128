/**
 * Retry policy, pure: how long to wait before a retry, and whether a finished
 * attempt gets one. The engine stores the resulting due time on the run
 * (`retry_scheduled`, `due_at`), so a pending retry survives a restart.
 */
import { JobtrayError } from '../../contract/errors.js';
import { FAILED_STATES, type JobDefinition, type RetryPolicy, type RunRecord } from '../../contract/model.js';

/**
 * Delay (ms) before retry number `retry` (1 = the first retry).
 * fixed: delay_ms; exponential: delay_ms * 2^(retry-1); either capped at
 * max_delay_ms. With jitter, a uniformly random value in [delay/2, delay]
 * ("equal jitter": retries of jobs that failed together spread out, yet never wait
 * less than half the delay), drawn with `random` (a [0, 1) source, injectable for
 * tests). The cap applies before jitter, so a delay never exceeds max_delay_ms.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new JobtrayError(
      'invalid_input',
      `retryDelay: retry must be an integer >= 1 (1 = first retry), got ${retry}.`,
    );
  }
  // 2 ** large is Infinity, which the cap turns back into max_delay_ms.
  const uncapped = policy.backoff === 'exponential' ? policy.delay_ms * 2 ** (retry - 1) : policy.delay_ms;
  const delay = Math.min(uncapped, policy.max_delay_ms);
  if (!policy.jitter) return delay;
  const half = delay / 2;
  return Math.round(half + random() * (delay - half));
}

export interface RetryDecision {
  retry: boolean;
  /** Why not (or, for a yes, which attempt failed); shown in the run's history. */
  reason: string;
}

/**
 * Whether a finished attempt gets another. Checked in order, the first "no" wins:
 * 1. the attempt failed: state in FAILED_STATES (failed, timed_out, interrupted).
 *    A cancelled run is never retried: an operator stopped it.
 * 2. the job did not declare the failure fatal (error_code `fatal`: it threw FatalError).
 * 3. the exit code is not in fatal_exit_codes.
 * 4. attempts are left. The limit is the smaller of the run's max_attempts (fixed
 *    when the chain started) and 1 + the job's current retries.max: editing the
 *    jobs file can shorten a chain in progress (stop hammering a broken server)
 *    but never lengthen one.
 */
export function shouldRetry(
  job: Pick<JobDefinition, 'retries' | 'fatal_exit_codes'>,
  run: Pick<RunRecord, 'state' | 'attempt' | 'max_attempts' | 'exit_code' | 'error_code'>,
): RetryDecision {
  if (!FAILED_STATES.includes(run.state)) return { retry: false, reason: notFailedReason(run.state) };
  if (run.error_code === 'fatal') return { retry: false, reason: 'the job raised a FatalError (never retried)' };
  if (run.exit_code !== null && job.fatal_exit_codes.includes(run.exit_code)) {
    return { retry: false, reason: `exit code ${run.exit_code} is fatal (fatal_exit_codes)` };
  }
  const limit = Math.min(run.max_attempts, 1 + job.retries.max);
  if (run.attempt >= limit) {
    const reason =
      limit < run.max_attempts
        ? `attempt ${run.attempt} of ${run.max_attempts}, but retries.max is now ${job.retries.max} (at most ${limit} attempt(s))`
        : `attempt ${run.attempt} of ${limit}`;
    return { retry: false, reason };
  }
  return { retry: true, reason: `attempt ${run.attempt} of ${limit} ended ${run.state}` };
}

function notFailedReason(state: RunRecord['state']): string {
  switch (state) {
    case 'cancelled':
      return 'cancelled by an operator';
    case 'succeeded':
      return 'the run succeeded';
    case 'skipped':
      return 'the run was skipped';
    default:
      return `the run has not finished (state ${state})`;
  }
}
