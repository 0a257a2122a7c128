import { describe, expect, it } from 'vitest';
import type { JobDefinition, RunRecord } from '../../contract/model.js';
import { shouldRetry } from '../../main/engine/backoff.js';

type Job = Pick<JobDefinition, 'retries' | 'fatal_exit_codes'>;
type Run = Pick<RunRecord, 'state' | 'attempt' | 'max_attempts' | 'exit_code' | 'error_code'>;

const job = (max = 2, fatal: number[] = [2]): Job => ({
  retries: { max, backoff: 'exponential', delay_ms: 30_000, max_delay_ms: 600_000, jitter: true },
  fatal_exit_codes: fatal,
});
const run = (over: Partial<Run>): Run => ({
  state: 'failed',
  attempt: 1,
  max_attempts: 3,
  exit_code: 1,
  error_code: 'exit_code',
  ...over,
});

describe('shouldRetry', () => {
  const cases: Array<{ name: string; job: Job; run: Run; retry: boolean; reason: RegExp }> = [
    { name: 'failed with attempts left', job: job(), run: run({}), retry: true, reason: /attempt 1 of 3 ended failed/ },
    {
      name: 'timed out with attempts left',
      job: job(),
      run: run({ state: 'timed_out', exit_code: null, error_code: 'timeout' }),
      retry: true,
      reason: /ended timed_out/,
    },
    {
      name: 'interrupted with attempts left',
      job: job(),
      run: run({ state: 'interrupted', exit_code: null, error_code: 'interrupted', attempt: 2 }),
      retry: true,
      reason: /attempt 2 of 3/,
    },
    { name: 'last attempt', job: job(), run: run({ attempt: 3 }), retry: false, reason: /^attempt 3 of 3$/ },
    { name: 'retries off', job: job(0), run: run({ max_attempts: 1 }), retry: false, reason: /^attempt 1 of 1$/ },
    {
      name: 'jobs file lowered retries mid-chain',
      job: job(0),
      run: run({ attempt: 2 }),
      retry: false,
      reason: /attempt 2 of 3, but retries.max is now 0 \(at most 1 attempt/,
    },
    {
      name: 'jobs file raised retries mid-chain: the chain keeps its limit',
      job: job(10),
      run: run({ attempt: 3 }),
      retry: false,
      reason: /^attempt 3 of 3$/,
    },
    { name: 'fatal exit code', job: job(), run: run({ exit_code: 2 }), retry: false, reason: /exit code 2 is fatal/ },
    {
      name: 'exit code not in fatal_exit_codes',
      job: job(2, [2, 3]),
      run: run({ exit_code: 4 }),
      retry: true,
      reason: /attempt 1 of 3/,
    },
    {
      name: 'FatalError from the job',
      job: job(),
      run: run({ exit_code: null, error_code: 'fatal' }),
      retry: false,
      reason: /FatalError/,
    },
    {
      name: 'cancelled by an operator',
      job: job(),
      run: run({ state: 'cancelled', exit_code: null, error_code: 'cancelled' }),
      retry: false,
      reason: /cancelled by an operator/,
    },
    {
      name: 'succeeded',
      job: job(),
      run: run({ state: 'succeeded', exit_code: 0, error_code: null }),
      retry: false,
      reason: /succeeded/,
    },
    {
      name: 'skipped',
      job: job(),
      run: run({ state: 'skipped', exit_code: null, error_code: null }),
      retry: false,
      reason: /skipped/,
    },
    {
      name: 'still running',
      job: job(),
      run: run({ state: 'running', exit_code: null, error_code: null }),
      retry: false,
      reason: /has not finished \(state running\)/,
    },
    {
      name: 'already retry_scheduled',
      job: job(),
      run: run({ state: 'retry_scheduled' }),
      retry: false,
      reason: /has not finished/,
    },
  ];

  it.each(cases)('$name', ({ job: j, run: r, retry, reason }) => {
    const decision = shouldRetry(j, r);
    expect(decision.retry).toBe(retry);
    expect(decision.reason).toMatch(reason);
  });
});
