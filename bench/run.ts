import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Bench, type BenchResult, machineDescription, renderTable } from './lib.js';

/**
 * `npm run bench [B1 B3 …]`: Jobtray's overhead on top of the user's own jobs,
 * each figure beside a baseline measured in the same run. Prints markdown
 * tables (paste them into docs/PERFORMANCE.md). A broken measurement throws
 * and the run exits 1; a missed goal is printed as MISSED.
 *
 * Each benchmark runs in a fresh Node process of its own (this file, with
 * `--one <id>`), which loads only that benchmark's code. Measured in one
 * process, B3's main thread carried every benchmark's modules (Playwright's
 * among them) and what the ones before it left: 42 MB of live heap against
 * 14 MB for the headless host alone, and full garbage collections of it
 * stopped the thread it measures for 10–23 ms.
 */
const ALL: Record<string, () => Promise<Bench>> = {
  B1: async () => (await import('./b1-trigger-latency.js')).b1,
  B2: async () => (await import('./b2-throughput.js')).b2,
  B3: async () => (await import('./b3-log-throughput.js')).b3,
  B4: async () => (await import('./b4-lateness.js')).b4,
  B5: async () => (await import('./b5-history.js')).b5,
  B6: async () => (await import('./b6-idle.js')).b6,
  B7: async () => (await import('./b7-dashboard.js')).b7,
  B8: async () => (await import('./b8-cpu-per-run.js')).b8,
};

/** Runs benchmark `id` in a process of its own; rejects when it breaks (its error is printed by that process). */
function runInOwnProcess(id: string): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--one', id], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: BenchResult | null = null;
    child.once('message', (message) => (result = message as BenchResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`measurement broken: benchmark ${id} exited with ${signal ?? code} without a result`));
    });
  });
}

/** The process of one benchmark: runs it and sends its result to the parent. */
async function runOne(id: string): Promise<number> {
  const result = await (await ALL[id]!())();
  await new Promise<void>((resolve, reject) =>
    process.send!(result, (error: Error | null) => (error ? reject(error) : resolve())),
  );
  return 0;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === '--one' && args[1] && args[1] in ALL && process.send) return runOne(args[1]);
  const wanted = args.map((a) => a.toUpperCase());
  const unknown = wanted.filter((w) => !(w in ALL));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(ALL).join(', ')}`);
    return 2;
  }
  const ids = wanted.length > 0 ? wanted : Object.keys(ALL);
  console.log(`# Jobtray benchmarks\n\n${new Date().toISOString()} — ${machineDescription()}\n`);
  const results: BenchResult[] = [];
  for (const id of ids) {
    const started = Date.now();
    const result = await runInOwnProcess(id);
    results.push(result);
    console.log(renderTable(result));
    console.log(`(${id} took ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  const missed = results.flatMap((r) => r.rows.filter((row) => !row.pass).map((row) => `${r.id} ${row.metric}`));
  console.log(missed.length === 0 ? 'All goals met.' : `Goals missed: ${missed.join(', ')}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
