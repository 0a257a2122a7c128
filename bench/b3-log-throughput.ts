import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { LogLine, RunRecord } from '../contract/model.js';
import { isTerminal } from '../contract/model.js';
import { createEngine, type Engine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';
import { openStore } from '../main/engine/store/index.js';
import { measured, nowMs, ratio, tempDir, writeFiles, type Bench, type BenchRow } from './lib.js';

/**
 * B3 — one run printing 200,000 log lines. Jobtray's figure: from the run's
 * start (its `running` event) to the moment its last stdout line is persisted
 * (the `run:log` event carrying it, emitted right after the store's commit),
 * as lines/s. Baseline: the same lines inserted with a raw better-sqlite3
 * prepared statement, 2,000 per transaction, into a fresh database with the
 * same schema and pragmas. The main thread's event-loop delay is sampled
 * during both.
 */

const LINE_COUNT = 200_000;
const BASELINE_BATCH = 2_000;
const JOB_ID = 'print-lines';
const RUN_TIMEOUT_MS = 120_000;

/**
 * Line i (1-based) of the job's output: ~75 characters, like a sync job's
 * INFO line. The job's script embeds this very function, and every stored
 * message is checked against it.
 */
export function lineText(i: number): string {
  const minute = String(Math.floor(i / 60) % 60).padStart(2, '0');
  const second = String(i % 60).padStart(2, '0');
  const sku = String(i % 1000).padStart(3, '0');
  return `2026-11-24T10:${minute}:${second} INFO order ${100000 + i} synced to marketplace (sku ABC-${sku}) batch ${Math.floor(i / 1000)}`;
}
const LAST_LINE = lineText(LINE_COUNT);

/**
 * The job: a node script (run by this node's absolute path, so no shell or
 * version-manager shim adds start-up time) writing its lines through a
 * buffer of 100 lines (~8 KB, like Python's buffered stdout).
 */
const PRINTER_MJS = `const lineText = ${lineText.toString()};
const n = Number(process.argv[2]);
let chunk = [];
for (let i = 1; i <= n; i++) {
  chunk.push(lineText(i));
  if (chunk.length === 100 || i === n) {
    process.stdout.write(chunk.join('\\n') + '\\n');
    chunk = [];
  }
}
`;

const JOBS_YAML = `jobs:
  - id: ${JOB_ID}
    command: [${JSON.stringify(process.execPath)}, print_lines.mjs, "${LINE_COUNT}"]
    timeout: 5m
`;

interface LagStats {
  p99Ms: number;
  maxMs: number;
}

function lagOf(histogram: IntervalHistogram): LagStats {
  // Samples are in ns; a broken monitor (no samples) reports 0 and fails `measured` below.
  return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

/** Wall time of the job's command printing its lines to /dev/null: what bounds the figure from below. */
async function producerMs(dir: string): Promise<number> {
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    const start = nowMs();
    const child = spawn(process.execPath, ['print_lines.mjs', String(LINE_COUNT)], {
      cwd: dir,
      stdio: ['ignore', devNull, 'inherit'],
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`measurement broken: node print_lines.mjs exited with ${code} in ${dir}`);
    return nowMs() - start;
  } finally {
    fs.closeSync(devNull);
  }
}

/** Reads the whole stored log and fails loudly unless it is exactly the job's lines, in order (system lines aside). */
function checkStoredLog(engine: Engine, runId: number): void {
  let expected = 1;
  let after = 0;
  for (;;) {
    const page = engine.getRunLogs(runId, { after, limit: 5_000 });
    for (const line of page.lines) {
      if (line.stream === 'system') continue;
      if (line.stream !== 'stdout' || line.message !== lineText(expected)) {
        throw new Error(
          `measurement broken: run ${runId} log line seq ${line.seq} is ${line.stream} ${JSON.stringify(line.message)}, expected stdout ${JSON.stringify(lineText(expected))}`,
        );
      }
      expected += 1;
    }
    if (page.next_after === null) break;
    after = page.next_after;
  }
  const stored = expected - 1;
  if (stored !== LINE_COUNT)
    throw new Error(`measurement broken: run ${runId} stored ${stored} job lines, expected ${LINE_COUNT}`);
}

interface JobtrayFigures {
  /** From the run's `running` event to its last line persisted (includes thread and process start-up). */
  ms: number;
  /** From the first persisted job line to the last: the log path's own throughput. */
  streamMs: number;
  /** Lines in the first `run:log` event (not counted in the streaming rate). */
  firstBatch: number;
  lag: LagStats;
}

/** Resolves with the job's run once it ends; fails loudly after RUN_TIMEOUT_MS. */
function runEnd(engine: Engine): Promise<RunRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`measurement broken: the run of ${JOB_ID} did not finish within ${RUN_TIMEOUT_MS} ms`)),
      RUN_TIMEOUT_MS,
    );
    engine.events.on('run:state', (run) => {
      if (run.job_id !== JOB_ID || !isTerminal(run.state)) return;
      clearTimeout(timer);
      resolve(run);
    });
  });
}

/** One real engine, one run of the printing job; times it from `running` to its last line persisted. */
async function measureJobtray(dir: string): Promise<JobtrayFigures> {
  const engine = await createEngine({
    dataDir: path.join(dir, 'data'),
    jobsFile: path.join(dir, 'jobs.yaml'),
    watch: false,
    logger: silentLogger,
    settings: { log_cap_per_run: 250_000 },
  });
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  try {
    // The engine runs this one job only, so events are matched by job id
    // (`trigger` starts the run, and announces it running, before it returns).
    let startedAt: number | null = null;
    let lastLineAt: number | null = null;
    let firstLineAt: number | null = null;
    let firstBatch = 0;
    const offStart = engine.events.on('run:state', (run) => {
      if (run.job_id === JOB_ID && run.state === 'running') startedAt = nowMs();
    });
    const offLog = engine.events.on('run:log', ({ job_id, lines }: { job_id: string; lines: LogLine[] }) => {
      if (job_id !== JOB_ID) return;
      if (firstLineAt === null && lines.some((l) => l.stream === 'stdout')) {
        firstLineAt = nowMs();
        firstBatch = lines.filter((l) => l.stream === 'stdout').length;
      }
      if (lines.some((l) => l.stream === 'stdout' && l.message === LAST_LINE)) lastLineAt = nowMs();
    });
    const ended = runEnd(engine);
    monitor.enable();
    engine.trigger(JOB_ID, { actor: 'cli' });
    const run = await ended;
    monitor.disable();
    offStart();
    offLog();
    if (run.state !== 'succeeded')
      throw new Error(`measurement broken: run ${run.id} ended ${run.state}: ${run.error ?? 'no error'}`);
    checkStoredLog(engine, run.id);
    if (startedAt === null || lastLineAt === null || firstLineAt === null)
      throw new Error('measurement broken: no running event or no run:log event with the first or last line');
    return { ms: lastLineAt - startedAt, streamMs: lastLineAt - firstLineAt, firstBatch, lag: lagOf(monitor) };
  } finally {
    monitor.disable();
    await engine.close();
  }
}

/**
 * The baseline: a fresh database created by openStore (same schema, indexes
 * and pragmas), one run row, then the lines through a raw prepared statement,
 * BASELINE_BATCH per transaction, yielding between transactions so the lag
 * monitor sees the loop as a well-behaved writer would leave it.
 */
async function measureRawInsert(dir: string): Promise<{ ms: number; lag: LagStats }> {
  const file = path.join(dir, 'raw.db');
  const store = openStore({ path: file });
  const runId = store.insertRun({
    job_id: JOB_ID,
    trigger: 'manual',
    requested_by: 'cli',
    params: {},
    state: 'running',
    attempt: 1,
    max_attempts: 1,
    parent_run_id: null,
    priority: 'normal',
  }).id;
  store.close();
  const db = new Database(file);
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const insert = db.prepare(
      'INSERT INTO run_logs (run_id, seq, ts, stream, level, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertBatch = db.transaction((from: number, to: number) => {
      const ts = Date.now();
      for (let i = from; i <= to; i++) insert.run(runId, i, ts, 'stdout', 'info', lineText(i));
    });
    monitor.enable();
    const start = nowMs();
    for (let from = 1; from <= LINE_COUNT; from += BASELINE_BATCH) {
      insertBatch(from, Math.min(LINE_COUNT, from + BASELINE_BATCH - 1));
      await yieldToLoop();
    }
    const ms = nowMs() - start;
    monitor.disable();
    const stored = db.prepare('SELECT count(*) FROM run_logs WHERE run_id = ?').pluck().get(runId);
    if (stored !== LINE_COUNT)
      throw new Error(
        `measurement broken: raw insert stored ${String(stored)} lines in ${file}, expected ${LINE_COUNT}`,
      );
    return { ms, lag: lagOf(monitor) };
  } finally {
    monitor.disable();
    db.close();
  }
}

const perSecond = (ms: number) => (LINE_COUNT / ms) * 1000;

export const b3: Bench = async () => {
  const dir = tempDir('b3');
  try {
    writeFiles(dir, { 'print_lines.mjs': PRINTER_MJS, 'jobs.yaml': JOBS_YAML });
    const producer = measured('producer ms', await producerMs(dir));
    const jobtray = await measureJobtray(dir);
    const raw = await measureRawInsert(dir);
    const jobtrayRate = measured(
      'Jobtray lines/s',
      ((LINE_COUNT - jobtray.firstBatch) / measured('Jobtray stream ms', jobtray.streamMs)) * 1000,
    );
    const endToEndRate = measured('Jobtray end-to-end lines/s', perSecond(jobtray.ms));
    const rawRate = measured('raw insert lines/s', perSecond(raw.ms));
    const producerRate = measured('producer lines/s', perSecond(producer));
    const jobtrayP99 = measured('Jobtray event-loop p99', jobtray.lag.p99Ms);
    const rows: BenchRow[] = [
      {
        metric: 'persisted lines/s, first to last line',
        jobtray: jobtrayRate,
        baseline: rawRate,
        baselineLabel: 'raw batched insert',
        unit: 'lines/s',
        goal: '≥ 0.5× raw',
        pass: ratio(jobtrayRate, rawRate) >= 0.5,
      },
      {
        metric: 'main event-loop lag p99',
        jobtray: jobtrayP99,
        baseline: measured('raw insert event-loop p99', raw.lag.p99Ms),
        baselineLabel: 'raw insert',
        unit: 'ms',
        goal: '≤ 20 ms',
        pass: jobtrayP99 <= 20,
      },
      {
        metric: 'main event-loop lag max',
        jobtray: measured('Jobtray event-loop max', jobtray.lag.maxMs),
        baseline: measured('raw insert event-loop max', raw.lag.maxMs),
        baselineLabel: 'raw insert',
        unit: 'ms',
        goal: '— (info)',
        pass: true,
      },
      {
        metric: 'persisted lines/s, run start to last line',
        jobtray: endToEndRate,
        baseline: rawRate,
        baselineLabel: 'raw batched insert',
        unit: 'lines/s',
        goal: '— (info)',
        pass: true,
      },
      {
        metric: 'run start → last line persisted',
        jobtray: measured('Jobtray ms', jobtray.ms),
        baseline: measured('producer ms', producer),
        baselineLabel: 'job alone → /dev/null',
        unit: 'ms',
        goal: '— (info)',
        pass: true,
      },
      {
        metric: 'producer lines/s (job alone → /dev/null)',
        jobtray: producerRate,
        baseline: null,
        baselineLabel: '',
        unit: 'lines/s',
        goal: '— (info)',
        pass: true,
      },
    ];
    return {
      id: 'B3',
      title: `log throughput: one run printing ${LINE_COUNT.toLocaleString('en')} lines`,
      rows,
      notes: [
        `A node command job prints ${LINE_COUNT.toLocaleString('en')} lines of ~75 characters; every stored line is checked against the expected text, in order.`,
        "Jobtray, first row: from the `run:log` event with the first job line to the one with the last (each emitted after its commit) — the log path's own rate. Second row: from the run's `running` event, so it also includes starting the worker thread and the node process (see B1).",
        `Baseline: the same lines through a raw better-sqlite3 prepared statement, ${BASELINE_BATCH.toLocaleString('en')} per transaction, same schema and pragmas, yielding to the event loop between transactions.`,
        'Event-loop lag: monitorEventLoopDelay({ resolution: 1 }) on the main thread during each.',
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
