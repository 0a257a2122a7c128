import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay for the benchmarks: of this thread, of this thread idle,
 * and of an idle process beside a measurement (the machine's floor under the
 * same load).
 */

export interface LagStats {
  p99Ms: number;
  maxMs: number;
}

export function lagOf(histogram: IntervalHistogram): LagStats {
  // Samples are in ns; a broken monitor (no samples) reports 0 and fails `measured` below.
  return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

/**
 * An idle Node process beside the run: it samples its own event-loop delay,
 * at the same resolution, from 'start' to 'stop' and answers with p99 and
 * max (ns). What it sees is what the machine's load alone does to a thread
 * that has nothing to do: the floor under the engine's figure.
 */
const SIBLING_MJS = `import { monitorEventLoopDelay } from 'node:perf_hooks';
const monitor = monitorEventLoopDelay({ resolution: 1 });
process.on('message', (message) => {
  if (message === 'start') { monitor.enable(); process.send('started'); return; }
  monitor.disable();
  process.send({ p99: monitor.percentile(99), max: monitor.max });
  process.disconnect();
});
process.send('ready');
`;

/** Starts the idle sibling (SIBLING_MJS) and its sampling; `stop` ends both and returns what it saw. */
export async function startSibling(dir: string): Promise<{ stop(): Promise<LagStats> }> {
  const script = path.join(dir, 'sibling.mjs');
  fs.writeFileSync(script, SIBLING_MJS);
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`measurement broken: the idle sibling exited with ${code}`)));
    });
  await next();
  child.send('start');
  await next();
  return {
    stop: async () => {
      const reply = next();
      child.send('stop');
      const { p99, max } = (await reply) as { p99: number; max: number };
      return { p99Ms: p99 / 1e6, maxMs: max / 1e6 };
    },
  };
}

/** How long the idle thread's event-loop delay is sampled before each Jobtray measurement. */
export const IDLE_SAMPLE_MS = 2_000;

/**
 * The event-loop delay of this thread with nothing to do, right before a
 * measurement: the machine's own noise floor (other processes on a shared
 * machine delay even an idle thread's timers).
 */
export async function idleLag(): Promise<LagStats> {
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  monitor.enable();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  monitor.disable();
  return lagOf(monitor);
}
