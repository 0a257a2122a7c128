import { b1 } from './b1-trigger-latency.js';
import { b2 } from './b2-throughput.js';
import { b3 } from './b3-log-throughput.js';
import { b4 } from './b4-lateness.js';
import { b5 } from './b5-history.js';
import { b6 } from './b6-idle.js';
import { b7 } from './b7-dashboard.js';
import { b8 } from './b8-cpu-per-run.js';
import { type Bench, type BenchResult, machineDescription, renderTable } from './lib.js';

/**
 * `npm run bench [B1 B3 …]`: Jobtray's overhead on top of the user's own jobs,
 * each figure beside a baseline measured in the same run. Prints markdown
 * tables (paste them into docs/PERFORMANCE.md). A broken measurement throws
 * and the run exits 1; a missed goal is printed as MISSED.
 */
const ALL: Record<string, Bench> = { B1: b1, B2: b2, B3: b3, B4: b4, B5: b5, B6: b6, B7: b7, B8: b8 };

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).map((a) => a.toUpperCase());
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
    const result = await ALL[id]!();
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
