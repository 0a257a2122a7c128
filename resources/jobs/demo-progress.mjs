// A script job: the default export runs inside a worker thread with a context
// object `ctx` (params, runId, attempt, signal, progress, log, artifact, FatalError).
import { wait } from './lib/wait.mjs';

const STEPS = ['Connecting', 'Fetching orders', 'Matching stock', 'Writing results', 'Cleaning up'];

export default async function demoProgress(ctx) {
  ctx.log.info(`Run ${ctx.runId}, attempt ${ctx.attempt}: ${STEPS.length} steps`);
  for (const [index, step] of STEPS.entries()) {
    ctx.progress(Math.round((index / STEPS.length) * 100), step);
    // ctx.signal aborts on cancel or timeout: waiting on it stops the job at once.
    await wait(1_500, ctx.signal);
    ctx.log.info(`${step}: done`);
  }
  ctx.progress(100, 'Done');
  // The return value is stored as the run's result (it must be JSON-serialisable).
  return { steps: STEPS.length };
}
