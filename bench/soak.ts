import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { checkDuration, formatDuration } from '../contract/durations.js';
import { SUPERVISOR_IDLE_MS } from '../main/engine/command-supervisor.js';
import { LOG_WRITER_IDLE_MS } from '../main/engine/log-writer.js';
import { startHost, type Host } from '../main/host/host.js';
import { machineDescription, quantile, tempDir, writeFiles } from './lib.js';

/**
 * `npm run soak [-- --jobs 50 --every 2s --duration 10m --concurrency 8 --json]`:
 * the headless host in this process, on a temp data dir and a loopback port,
 * with N command jobs on an `every` schedule and a dashboard-like client (one
 * event stream, a health request every 5 s), for a bounded time. Not part of
 * `npm test`. It checks:
 * - fires: every schedule slot that came due is a run or a recorded skip with
 *   its reason (0 unaccounted; slots counted on each job's grid from when the
 *   engine first saw it);
 * - memory: RSS at minute 1 vs the end grows less than 10 %;
 * - file descriptors: as many open at the end as at the start (±10);
 * - overlap skips: the jobs' command takes milliseconds, so a fire skipped
 *   because the job's previous run was still queued or running was caused
 *   by the host itself: there must be none;
 * - the event loop's delay, p99, and the host's CPU (its own threads, not its
 *   children), reported.
 * Exit code 0 when every check passes, 1 otherwise. Method: docs/PERFORMANCE.md.
 */

interface SoakOptions {
  jobs: number;
  everyMs: number;
  durationMs: number;
  concurrency: number;
  json: boolean;
}

/** A slot due this close to the pause may not have fired yet: it is not counted. */
const PAUSE_MARGIN_MS = 1_000;
const SAMPLE_EVERY_MS = 5_000;
/** The end-to-end bound on top of the duration (start, drain, close, accounting). */
const OVERRUN_MS = 3 * 60_000;

function parseSoakArgs(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string', default: '50' },
      every: { type: 'string', default: '2s' },
      duration: { type: 'string', default: '10m' },
      concurrency: { type: 'string', default: '8' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const whole = (name: string, raw: string, max: number) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max)
      throw new Error(`--${name} ${JSON.stringify(raw)}: a whole number from 1 to ${max}`);
    return n;
  };
  const duration = (name: string, raw: string) => {
    const parsed = checkDuration(raw);
    if (!parsed.ok) throw new Error(`--${name} ${JSON.stringify(raw)}: ${parsed.why}`);
    return parsed.ms;
  };
  return {
    jobs: whole('jobs', values.jobs, 1_000),
    everyMs: duration('every', values.every),
    durationMs: duration('duration', values.duration),
    concurrency: whole('concurrency', values.concurrency, 256),
    json: values.json,
  };
}

function jobsYaml(options: SoakOptions): string {
  const jobs = Array.from(
    { length: options.jobs },
    (_, i) =>
      `  - id: soak-${String(i + 1).padStart(3, '0')}\n    command: [sh, -c, 'echo "soak run $JOBTRAY_RUN_ID"']\n    schedule: { every: ${options.everyMs}ms }\n`,
  );
  return `jobs:\n${jobs.join('')}`;
}

function openFds(): number | null {
  return process.platform === 'linux' ? fs.readdirSync('/proc/self/fd').length : null;
}

/** Descriptors the host may hold beyond those at the start once idle (keep-alive sockets of the client's polls). */
const FD_SLACK = 10;
/** How long an idle host keeps the threads it started on demand: the command supervisor and the log writer. */
const ON_DEMAND_IDLE_MS = Math.max(SUPERVISOR_IDLE_MS, LOG_WRITER_IDLE_MS);

/**
 * Open descriptors once the host, paused with no run left, is idle: as soon
 * as they are back within FD_SLACK of `start`, or when its on-demand threads
 * have had ON_DEMAND_IDLE_MS (and 15 s) to close, whichever comes first.
 */
async function idleFds(start: number | null): Promise<{ fds: number | null; afterMs: number }> {
  const since = Date.now();
  let fds = openFds();
  while (
    start !== null &&
    fds !== null &&
    Math.abs(fds - start) > FD_SLACK &&
    Date.now() - since < ON_DEMAND_IDLE_MS + 15_000
  ) {
    await sleep(1_000);
    fds = openFds();
  }
  return { fds, afterMs: Date.now() - since };
}

/** A dashboard's load: one event stream read to the end, and the health every 5 s. */
function startClient(host: Host): {
  /** Settles once the event stream is open. */
  opened: Promise<void>;
  events: () => number;
  healthFailures: () => number;
  stop(): Promise<void>;
} {
  const token = decodeURIComponent(host.loginUrl.slice(host.loginUrl.indexOf('#token=') + 7));
  const headers = { Authorization: `Bearer ${token}` };
  const controller = new AbortController();
  let events = 0;
  let healthFailures = 0;
  let markOpened = () => {};
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  const stream = (async () => {
    const response = await fetch(`${host.url}/api/events`, { headers, signal: controller.signal });
    markOpened();
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      events += decoder.decode(chunk, { stream: true }).split('\nevent: ').length - 1;
  })()
    .catch((error: unknown) => {
      if (!controller.signal.aborted) throw error;
    })
    .finally(markOpened);
  const poll = setInterval(() => {
    fetch(`${host.url}/api/health`, { headers, signal: controller.signal }).then(
      (r) => void (r.ok ? r.arrayBuffer() : healthFailures++),
      () => void (controller.signal.aborted || healthFailures++),
    );
  }, 5_000);
  return {
    opened,
    events: () => events,
    healthFailures: () => healthFailures,
    stop: async () => {
      clearInterval(poll);
      controller.abort();
      await stream;
    },
  };
}

interface Accounting {
  expected: number;
  recorded: number;
  unaccounted: number;
  /** Runs beyond one per slot (a slot fired twice). */
  extra: number;
  byState: Record<string, number>;
  skipReasons: Record<string, number>;
  /** Fire time minus slot time, ms. */
  lateness: { p50: number; p99: number; max: number };
}

/**
 * How many slots a recorded run stands for: one, or the count in the reason of
 * a skipped run recording several (missed slots, fires held while writing failed).
 */
function slotsRecorded(run: { state: string; reason: string | null }): number {
  if (run.state !== 'skipped' || !run.reason) return 1;
  const count = /^missed (\d+) scheduled runs? /.exec(run.reason) ?? /; (\d+) scheduled runs from /.exec(run.reason);
  return count ? Number(count[1]) : 1;
}

/**
 * Every slot of every job's grid that came due before the pause, against the
 * runs recorded (read from the closed database). A run is created at or after
 * its slot, and a job's runs are in slot order, so each run (oldest first)
 * takes the earliest free slot at or before its creation; a run with none left
 * fired twice. A run created more than one period late still finds its slot.
 */
function account(dataDir: string, everyMs: number, pausedAt: number): Accounting {
  const db = new Database(path.join(dataDir, 'jobtray.db'), { readonly: true });
  try {
    const anchors = db
      .prepare<[], { job_id: string; first_seen_at: number }>('SELECT job_id, first_seen_at FROM job_state')
      .all();
    const runs = db
      .prepare<[], { job_id: string; state: string; reason: string | null; created_at: number }>(
        "SELECT job_id, state, reason, created_at FROM runs WHERE trigger IN ('schedule', 'catch_up') ORDER BY id",
      )
      .all();
    const byJob = new Map<string, typeof runs>();
    for (const run of runs) byJob.set(run.job_id, [...(byJob.get(run.job_id) ?? []), run]);
    const result: Accounting = {
      expected: 0,
      recorded: 0,
      unaccounted: 0,
      extra: 0,
      byState: {},
      skipReasons: {},
      lateness: { p50: 0, p99: 0, max: 0 },
    };
    const late: number[] = [];
    for (const { job_id, first_seen_at: anchor } of anchors) {
      const lastSlot = Math.floor((pausedAt - PAUSE_MARGIN_MS - anchor) / everyMs);
      result.expected += Math.max(0, lastSlot);
      let previous = 0;
      let matched = 0;
      for (const run of byJob.get(job_id) ?? []) {
        for (let n = slotsRecorded(run); n > 0; n--) {
          const slot = previous + 1;
          if (anchor + slot * everyMs > run.created_at) {
            result.extra++;
            continue;
          }
          previous = slot;
          if (slot > lastSlot) continue;
          matched++;
          late.push(run.created_at - (anchor + slot * everyMs));
          result.byState[run.state] = (result.byState[run.state] ?? 0) + 1;
          if (run.state === 'skipped') {
            // "run 41 of this job is still running" → "run # of this job is still running": one line per kind of reason.
            const why = (run.reason ?? '(no reason)').replace(/\d+(\.\d+)?(ms|s|m)?/g, '#').replace(/#\S*Z/g, '#');
            result.skipReasons[why] = (result.skipReasons[why] ?? 0) + 1;
          }
        }
      }
      result.recorded += matched;
      result.unaccounted += Math.max(0, lastSlot) - matched;
    }
    if (late.length > 0)
      result.lateness = { p50: quantile(late, 0.5), p99: quantile(late, 0.99), max: Math.max(...late) };
    return result;
  } finally {
    db.close();
  }
}

/** Waits until no run is running (paused: queued ones stay queued), at most a minute. */
async function drain(host: Host): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (host.engine.listRuns({ state: 'running', limit: 1 }).runs.length > 0) {
    if (Date.now() > deadline) throw new Error('soak: runs still running a minute after the pause');
    await sleep(100);
  }
}

async function main(): Promise<number> {
  const options = parseSoakArgs(process.argv.slice(2));
  const bound = setTimeout(() => {
    console.error(`soak: not finished ${(options.durationMs + OVERRUN_MS) / 1000} s after it started; giving up`);
    process.exit(1);
  }, options.durationMs + OVERRUN_MS);
  bound.unref();
  const log = (line: string) => console.error(`soak: ${line}`);
  const dataDir = tempDir('soak');
  writeFiles(dataDir, { 'jobs.yaml': jobsYaml(options) });
  log(
    `${options.jobs} jobs every ${options.everyMs} ms for ${options.durationMs / 1000} s, at most ${options.concurrency} at once; data in ${dataDir}`,
  );

  const host = await startHost({
    dataDir,
    port: 0,
    staticDir: null,
    watch: false,
    consoleLog: false,
    settings: {
      max_concurrent_runs: options.concurrency,
      retention_max_age_days: 0,
      retention_max_runs_per_job: 0,
      backup_enabled: false,
    },
  });
  const client = startClient(host);
  // Descriptors at the start count the client's stream, as the ones at the end do.
  await client.opened;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  const fdsStart = openFds();
  const samples: { at: number; rss: number }[] = [];
  const sample = () => samples.push({ at: Date.now() - started, rss: process.memoryUsage().rss });
  sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  const progress = setInterval(() => {
    const runs = host.engine.listRuns({ limit: 1 }).runs[0]?.id ?? 0;
    log(
      `${Math.round((Date.now() - started) / 60_000)} min: ${runs} runs, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB, ${openFds() ?? '?'} fds, ${client.events()} events streamed`,
    );
  }, 60_000);

  await sleep(options.durationMs);
  sample();
  const pausedAt = Date.now();
  host.engine.pause('cli');
  clearInterval(sampler);
  clearInterval(progress);
  delay.disable();
  const cpu = process.cpuUsage(cpuStart);
  // Descriptors are compared at rest, as at the start: once the runs in flight (threads, pipes) have ended...
  await drain(host);
  const fdsAtRest = openFds();
  // ...and once the host is idle: the threads it starts on demand, with their database connections, close then.
  const idle = await idleFds(fdsStart);
  await client.stop();
  await host.close();
  const fires = account(dataDir, options.everyMs, pausedAt);

  // Minute 1 (or half-way through a shorter soak) against the end.
  const warmAt = Math.min(60_000, options.durationMs / 2);
  const warm = samples.find((s) => s.at >= warmAt) ?? samples[0]!;
  const end = samples.at(-1)!;
  const growth = (end.rss - warm.rss) / warm.rss;
  const report = {
    machine: machineDescription(),
    options,
    fires,
    rss_mb: {
      at: Math.round(warm.at / 1000),
      warm: warm.rss / 2 ** 20,
      end: end.rss / 2 ** 20,
      growth_pct: growth * 100,
    },
    fds: { start: fdsStart, at_rest: fdsAtRest, idle: idle.fds, idle_after_s: idle.afterMs / 1000 },
    event_loop_delay_ms: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    cpu_pct_of_one_core: ((cpu.user + cpu.system) / 1e3 / (pausedAt - started)) * 100,
    events_streamed: client.events(),
    health_failures: client.healthFailures(),
  };
  const overlapSkips = Object.entries(fires.skipReasons)
    .filter(([why]) => why.startsWith('overlap:'))
    .reduce((sum, [, count]) => sum + count, 0);
  const checks = {
    'no fire skipped because the previous run was still queued or running (0 overlap skips)': overlapSkips === 0,
    'every fire a run or a recorded skip (0 unaccounted, none twice)':
      fires.unaccounted === 0 && fires.extra === 0 && fires.expected > 0,
    'RSS growth < 10 %': growth < 0.1,
    'open fds back within 10 of the start once the host is idle':
      fdsStart === null || idle.fds === null || Math.abs(idle.fds - fdsStart) <= FD_SLACK,
    'health answered every time': client.healthFailures() === 0,
  };
  if (options.json) console.log(JSON.stringify({ ...report, checks }, null, 2));
  else console.log(renderReport(report, checks));
  fs.rmSync(dataDir, { recursive: true, force: true });
  return Object.values(checks).every(Boolean) ? 0 : 1;
}

function renderReport(
  r: {
    machine: string;
    options: SoakOptions;
    fires: Accounting;
    rss_mb: { at: number; warm: number; end: number; growth_pct: number };
    fds: { start: number | null; at_rest: number | null; idle: number | null; idle_after_s: number };
    event_loop_delay_ms: { p50: number; p99: number; max: number };
    cpu_pct_of_one_core: number;
    events_streamed: number;
    health_failures: number;
  },
  checks: Record<string, boolean>,
): string {
  const f = r.fires;
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return [
    `### Soak — ${r.options.jobs} jobs every ${formatDuration(r.options.everyMs)} for ${formatDuration(r.options.durationMs)} (at most ${r.options.concurrency} runs at once)`,
    '',
    `${new Date().toISOString()} — ${r.machine}`,
    '',
    '| measure | value |',
    '|---|---|',
    `| fires expected (slots due) | ${n(f.expected)} |`,
    `| fires recorded (runs + skips) | ${n(f.recorded)} — ${Object.entries(f.byState)
      .map(([state, count]) => `${state} ${n(count)}`)
      .join(', ')} |`,
    `| unaccounted / fired twice | ${f.unaccounted} / ${f.extra} |`,
    `| skip reasons | ${
      Object.entries(f.skipReasons)
        .map(([why, count]) => `${why}: ${n(count)}`)
        .join('; ') || 'none'
    } |`,
    `| fire lateness p50 / p99 / max | ${n(f.lateness.p50)} / ${n(f.lateness.p99)} / ${n(f.lateness.max)} ms |`,
    `| RSS at ${r.rss_mb.at} s → end | ${n(r.rss_mb.warm)} → ${n(r.rss_mb.end)} MB (${r.rss_mb.growth_pct >= 0 ? '+' : ''}${n(r.rss_mb.growth_pct)} %) |`,
    `| open fds start → at rest → idle | ${r.fds.start ?? 'n/a'} → ${r.fds.at_rest ?? 'n/a'} → ${r.fds.idle ?? 'n/a'} (idle ${n(r.fds.idle_after_s)} s after the last run) |`,
    `| event-loop delay p50 / p99 / max | ${n(r.event_loop_delay_ms.p50)} / ${n(r.event_loop_delay_ms.p99)} / ${n(r.event_loop_delay_ms.max)} ms |`,
    `| CPU (host process, % of one core) | ${n(r.cpu_pct_of_one_core)} |`,
    `| events streamed / health failures | ${n(r.events_streamed)} / ${r.health_failures} |`,
    '',
    ...Object.entries(checks).map(([what, ok]) => `- ${ok ? 'ok' : 'FAILED'}: ${what}`),
    '',
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
