import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { IDLE_SAMPLE_MS, idleLag, lagOf, startSibling, type LagStats } from './lag.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { RunRecord } from '../contract/model.js';
import { isTerminal } from '../contract/model.js';
import type { Engine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';
import { openStore } from '../main/engine/store/index.js';
import { startHost, type Host } from '../main/host/host.js';
import { measured, nowMs, ratio, tempDir, writeFiles, type Bench, type BenchRow } from './lib.js';

/**
 * B3 — one run printing 200,000 log lines, twice: an engine with nothing
 * listening for its lines, and the headless host with one SSE client of its
 * event stream. Jobtray's figure: from the first stored stdout line to the
 * last, as lines/s, and the main thread's event-loop delay meanwhile.
 * Baseline: the same lines inserted on the measured thread with a raw
 * better-sqlite3 prepared statement, 2,000 per transaction, into a fresh
 * database with the same schema and pragmas.
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
  /** An idle process's own event-loop delay over the same time (startSibling). */
  siblingLag: LagStats;
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

/** How a Jobtray measurement watches the run. */
type Variant = 'no subscriber' | 'one SSE subscriber';

/**
 * How often the run's stored line count is read, to see its first and last
 * line. Not from `run:log` events, even with a subscriber: reading an event's
 * lines would parse them on the measured thread, which the event stream
 * itself never does (main/engine/serialized-log-lines.ts).
 */
const POLL_MS = 5;

/**
 * An SSE client of the Local API in a process of its own (so its parsing is
 * not on the measured thread): reads `run:log` events until told to stop,
 * and reports how many bytes it got.
 */
const SSE_CLIENT_MJS = `const [url, token] = process.argv.slice(2);
const controller = new AbortController();
let bytes = 0;
process.on('message', () => { controller.abort(); });
const response = await fetch(url + '/api/events?events=run:log', { headers: { Authorization: 'Bearer ' + token }, signal: controller.signal });
process.send('open');
try { for await (const chunk of response.body) bytes += chunk.length; } catch {}
process.send(bytes);
process.disconnect();
`;

async function startSseClient(dir: string, host: Host): Promise<{ stop(): Promise<number> }> {
  const token = decodeURIComponent(host.loginUrl.slice(host.loginUrl.indexOf('#token=') + 7));
  const child = fork(path.join(dir, 'sse_client.mjs'), [host.url, token], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`measurement broken: the SSE client exited with ${code}`)));
  });
  return {
    stop: () =>
      new Promise<number>((resolve) => {
        child.once('message', (bytes) => resolve(Number(bytes)));
        child.send('stop');
      }),
  };
}

/**
 * The headless host in this process (engine and Local API), one run of the
 * printing job; times it from `running` to its last line persisted. `no
 * subscriber`: no client is connected, so nothing listens for `run:log` (the
 * host's event stream follows it only for a client). `one SSE subscriber`:
 * one client of its event stream (in a child process) taking every `run:log`
 * event. In both, the stored line count is read every POLL_MS.
 */
async function measureJobtray(dir: string, variant: Variant): Promise<JobtrayFigures & { sseBytes: number | null }> {
  const dataDir = path.join(dir, variant === 'no subscriber' ? 'data-alone' : 'data-sse');
  const settings = { log_cap_per_run: 250_000 };
  const sse = variant === 'one SSE subscriber';
  const host = await startHost({
    dataDir,
    jobsFile: path.join(dir, 'jobs.yaml'),
    port: 0,
    staticDir: null,
    watch: false,
    logger: silentLogger,
    settings,
  });
  const { engine } = host;
  const client = sse ? await startSseClient(dir, host) : null;
  // Without a client, nothing of the host may listen for run:log: the log writer then keeps its lines.
  if (!sse && engine.events.has('run:log'))
    throw new Error('measurement broken: something listens for run:log in the host without a client');
  const sibling = await startSibling(dir);
  let siblingLag: LagStats | null = null;
  const monitor = monitorEventLoopDelay({ resolution: 1 });
  let poll: NodeJS.Timeout | undefined;
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
    const ended = runEnd(engine);
    monitor.enable();
    const runId = engine.trigger(JOB_ID, { actor: 'cli' }).id;
    poll = setInterval(() => {
      const count = engine.getRun(runId).log_count;
      if (firstLineAt === null && count > 0) {
        firstLineAt = nowMs();
        firstBatch = count;
      }
      if (lastLineAt === null && count >= LINE_COUNT) lastLineAt = nowMs();
    }, POLL_MS);
    const run = await ended;
    monitor.disable();
    siblingLag = await sibling.stop();
    clearInterval(poll);
    offStart();
    if (run.state !== 'succeeded')
      throw new Error(`measurement broken: run ${run.id} ended ${run.state}: ${run.error ?? 'no error'}`);
    checkStoredLog(engine, run.id);
    // The last lines may be stored between two polls and the run's end: its end counts then.
    if (lastLineAt === null) lastLineAt = nowMs();
    if (startedAt === null || lastLineAt === null || firstLineAt === null)
      throw new Error('measurement broken: no running event or no first or last line seen');
    const sseBytes = client ? await client.stop() : null;
    if (client && !(sseBytes! > LINE_COUNT * 75))
      throw new Error(`measurement broken: the SSE client got ${sseBytes} bytes for ${LINE_COUNT} lines`);
    return {
      ms: lastLineAt - startedAt,
      streamMs: lastLineAt - firstLineAt,
      firstBatch,
      lag: lagOf(monitor),
      siblingLag,
      sseBytes,
    };
  } finally {
    clearInterval(poll);
    monitor.disable();
    if (!siblingLag) await sibling.stop().catch(() => null);
    await host.close();
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
    writeFiles(dir, { 'print_lines.mjs': PRINTER_MJS, 'jobs.yaml': JOBS_YAML, 'sse_client.mjs': SSE_CLIENT_MJS });
    const producer = measured('producer ms', await producerMs(dir));
    const idleBefore = await idleLag();
    const alone = await measureJobtray(dir, 'no subscriber');
    const raw = await measureRawInsert(dir);
    const idleBetween = await idleLag();
    const sse = await measureJobtray(dir, 'one SSE subscriber');
    const idleP99 = Math.max(idleBefore.p99Ms, idleBetween.p99Ms);
    const streamRate = (figures: JobtrayFigures, what: string) =>
      measured(
        `Jobtray lines/s (${what})`,
        ((LINE_COUNT - figures.firstBatch) / measured(`Jobtray stream ms (${what})`, figures.streamMs)) * 1000,
      );
    const aloneRate = streamRate(alone, 'no subscriber');
    const sseRate = streamRate(sse, 'one SSE subscriber');
    const rawRate = measured('raw insert lines/s', perSecond(raw.ms));
    const rawP99 = measured('raw insert event-loop p99', raw.lag.p99Ms);
    const rawMax = measured('raw insert event-loop max', raw.lag.maxMs);
    const aloneP99 = measured('Jobtray event-loop p99 (no subscriber)', alone.lag.p99Ms);
    const sseP99 = measured('Jobtray event-loop p99 (one SSE subscriber)', sse.lag.p99Ms);
    const info = (metric: string, jobtray: number, baseline: number | null, baselineLabel: string, unit: string) => ({
      metric,
      jobtray,
      baseline,
      baselineLabel,
      unit,
      goal: '— (info)',
      pass: true,
    });
    const rows: BenchRow[] = [
      {
        metric: 'persisted lines/s, first to last line, no subscriber',
        jobtray: aloneRate,
        baseline: rawRate,
        baselineLabel: 'raw batched insert',
        unit: 'lines/s',
        goal: '≥ 0.5× raw',
        pass: ratio(aloneRate, rawRate) >= 0.5,
      },
      {
        metric: 'persisted lines/s, first to last line, one SSE subscriber',
        jobtray: sseRate,
        baseline: rawRate,
        baselineLabel: 'raw batched insert',
        unit: 'lines/s',
        goal: '≥ 0.5× raw',
        pass: ratio(sseRate, rawRate) >= 0.5,
      },
      {
        metric: 'main event-loop lag p99, no subscriber',
        jobtray: aloneP99,
        baseline: measured('idle sibling p99 (no subscriber)', alone.siblingLag.p99Ms),
        baselineLabel: 'an idle process beside it',
        unit: 'ms',
        goal: '≤ 5 ms',
        pass: aloneP99 <= 5,
      },
      {
        metric: 'main event-loop lag p99, one SSE subscriber',
        jobtray: sseP99,
        baseline: measured('idle sibling p99 (one SSE subscriber)', sse.siblingLag.p99Ms),
        baselineLabel: 'an idle process beside it',
        unit: 'ms',
        goal: '≤ 10 ms',
        pass: sseP99 <= 10,
      },
      info('main event-loop lag p99 of the raw insert', rawP99, null, '', 'ms'),
      info('event-loop lag p99 of this thread idle (noise floor)', measured('idle p99', idleP99), null, '', 'ms'),
      info('main event-loop lag max, no subscriber', measured('lag max', alone.lag.maxMs), rawMax, 'raw insert', 'ms'),
      info(
        'main event-loop lag max, one SSE subscriber',
        measured('lag max', sse.lag.maxMs),
        rawMax,
        'raw insert',
        'ms',
      ),
      info(
        'run start → last line persisted, no subscriber',
        measured('Jobtray ms', alone.ms),
        producer,
        'job alone → /dev/null',
        'ms',
      ),
      info(
        'producer lines/s (job alone → /dev/null)',
        measured('producer lines/s', perSecond(producer)),
        null,
        '',
        'lines/s',
      ),
    ];
    return {
      id: 'B3',
      title: `log throughput: one run printing ${LINE_COUNT.toLocaleString('en')} lines`,
      rows,
      notes: [
        `A node command job prints ${LINE_COUNT.toLocaleString('en')} lines of ~75 characters; every stored line is checked against the expected text, in order.`,
        'No subscriber: the headless host with no client connected, so nothing listens for `run:log` (checked).',
        'One SSE subscriber: the same host, one client of its event stream (`/api/events?events=run:log`) in a child process, which must receive every line.',
        `In both, first and last line are seen by reading the run's stored line count every ${POLL_MS} ms (an in-process \`run:log\` listener reading the lines would parse them on the measured thread, which the event stream never does).`,
        `Baseline: the same lines through a raw better-sqlite3 prepared statement on the measured thread, ${BASELINE_BATCH.toLocaleString('en')} per transaction, same schema and pragmas, yielding to the event loop between transactions.`,
        `Event-loop lag: monitorEventLoopDelay({ resolution: 1 }) on the main thread during each; the noise floor is the higher of two ${IDLE_SAMPLE_MS / 1000} s samples of the same thread with nothing to do, taken right before each Jobtray measurement.`,
        "Baseline of the lag rows: an idle Node process started beside each Jobtray measurement samples its own event-loop delay the same way over the same time. It does nothing, so what it sees is the machine's load alone (the job's process, the engine's threads, the SSE client): the floor under the engine's figure.",
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
