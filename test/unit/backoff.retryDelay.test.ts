import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../contract/model.js';
import { retryDelay } from '../../main/engine/backoff.js';

/** mulberry32: a small seeded [0, 1) generator, so jitter tests are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const policy = (over: Partial<RetryPolicy>): RetryPolicy => ({
  max: 5,
  backoff: 'fixed',
  delay_ms: 30_000,
  max_delay_ms: 600_000,
  jitter: false,
  ...over,
});

describe('retryDelay', () => {
  it.each([1, 2, 3, 10])('fixed: retry %i waits delay_ms', (retry) => {
    expect(retryDelay(policy({ backoff: 'fixed' }), retry)).toBe(30_000);
  });

  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [4, 240_000],
    [5, 480_000],
    [6, 600_000], // 960 s capped at max_delay 10 min
    [2_000, 600_000], // 2^1999 is Infinity before the cap
  ])('exponential: retry %i waits %i ms', (retry, expected) => {
    expect(retryDelay(policy({ backoff: 'exponential' }), retry)).toBe(expected);
  });

  it('fixed: the cap applies to delay_ms too', () => {
    expect(retryDelay(policy({ delay_ms: 900_000, max_delay_ms: 600_000 }), 1)).toBe(600_000);
  });

  it('jitter stays within [delay/2, delay] and spreads across it (seeded)', () => {
    const random = seeded(42);
    const jittered = policy({ backoff: 'exponential', jitter: true });
    for (let retry = 1; retry <= 8; retry += 1) {
      const full = retryDelay({ ...jittered, jitter: false }, retry);
      const samples = Array.from({ length: 500 }, () => retryDelay(jittered, retry, random));
      for (const s of samples) {
        expect(s).toBeGreaterThanOrEqual(full / 2);
        expect(s).toBeLessThanOrEqual(full);
        expect(Number.isInteger(s)).toBe(true);
      }
      expect(Math.min(...samples)).toBeLessThan(full * 0.55);
      expect(Math.max(...samples)).toBeGreaterThan(full * 0.95);
    }
  });

  it('jitter at the extremes of the random source', () => {
    const jittered = policy({ jitter: true, delay_ms: 10_000 });
    expect(retryDelay(jittered, 1, () => 0)).toBe(5_000);
    expect(retryDelay(jittered, 1, () => 0.5)).toBe(7_500);
    expect(retryDelay(jittered, 1, () => 0.999_999_9)).toBe(10_000);
  });

  it('is repeatable with the same seed', () => {
    const jittered = policy({ backoff: 'exponential', jitter: true });
    const run = (seed: number) => {
      const random = seeded(seed);
      return [1, 2, 3, 4].map((retry) => retryDelay(jittered, retry, random));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects retry %s', (retry) => {
    expect(() => retryDelay(policy({}), retry)).toThrow(/retry must be an integer >= 1/);
  });
});
