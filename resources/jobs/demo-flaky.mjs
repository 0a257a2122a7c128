// Fails on attempts 1 and 2 and succeeds on attempt 3, to show retries:
// the jobs file gives it `retries: { max: 2, ... }`, so the third attempt is the last.
import { wait } from './lib/wait.mjs';

export default async function demoFlaky(ctx) {
  ctx.progress(10, `Attempt ${ctx.attempt}`);
  await wait(1_000, ctx.signal);
  if (ctx.attempt < 3) {
    ctx.log.warn(`Attempt ${ctx.attempt}: the (pretend) marketplace API answered 503`);
    // Any thrown error fails the attempt; it is retried while attempts are left.
    // Throw `new ctx.FatalError(...)` instead for an error that must not be retried.
    throw new Error(`Marketplace API unavailable (HTTP 503) on attempt ${ctx.attempt}; will succeed on attempt 3`);
  }
  ctx.progress(100, 'Synced');
  ctx.log.info(`Attempt ${ctx.attempt}: the API answered, 42 orders synced`);
  return { attempt: ctx.attempt, orders: 42 };
}
