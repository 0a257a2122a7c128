#!/usr/bin/env node
// A command job: any program can be one. Jobtray reads its output line by line:
//   ::progress <percent> <step>     updates the run's progress bar
//   ::artifact <name> <path>        attaches a file to the run (path relative to cwd)
// Every other line (stdout or stderr) is a log line of the run. The exit code
// decides the outcome: 0 is success, anything else a failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function argValue(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const rows = Number(argValue('--rows', '100'));
if (!Number.isInteger(rows) || rows < 1) {
  console.error(`--rows must be a positive integer, got ${JSON.stringify(argValue('--rows', ''))}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

console.log(`Building a report with ${rows} rows`);
const lines = ['order_id,sku,quantity,amount'];
const batches = 5;
for (let batch = 1; batch <= batches; batch++) {
  console.log(`::progress ${Math.round(((batch - 1) / batches) * 100)} Batch ${batch} of ${batches}`);
  for (let row = Math.floor(((batch - 1) * rows) / batches); row < Math.floor((batch * rows) / batches); row++) {
    lines.push(`${10_000 + row},SKU-${(row % 17) + 1},${(row % 5) + 1},${((row * 7.31) % 200).toFixed(2)}`);
  }
  await sleep(300);
}

// One file, overwritten by each run: the engine keeps its own copy of every artifact.
const folder = path.join(os.tmpdir(), 'jobtray-demo');
mkdirSync(folder, { recursive: true });
const file = path.join(folder, 'report.csv');
writeFileSync(file, `${lines.join('\n')}\n`);
console.log('::progress 100 Report written');
console.log(`::artifact report.csv ${file}`);
console.log(`Wrote ${rows} rows to ${file}`);
