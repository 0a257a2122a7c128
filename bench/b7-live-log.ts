import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunRecord } from '../contract/model.js';
import { isTerminal } from '../contract/model.js';
import { lineText } from './b3-log-throughput.js';
import { launchChromium } from './chromium.js';
import { heapAfterGcMb, startDashboardHost, type DashboardHost } from './dashboard-host.js';
import { type BenchRow, measured, ratio } from './lib.js';

/**
 * B7b — the live log. A command job prints 2,000 lines/s for 20 s while its
 * run page is open with follow on. Jobtray's figures, from the
 * PerformanceObserver `longtask` entries of the page during the stream: their
 * total and the longest. Baseline: bench/pages/baseline-log.html, served by
 * the same host, appending the same run's SSE lines to one <pre>, measured the
 * same way on a second run. Then (Jobtray only) the run prints 60,000 more
 * lines at once: the log view's DOM rows are counted at 100,000 lines; the
 * page's JS heap (after a garbage collection) before the stream and after it.
 */

const RATE = 2_000;
const SECONDS = 20;
const STREAM_LINES = RATE * SECONDS;
const TOTAL_LINES = 100_000;
const JOB_ID = 'log-stream';
const TIMEOUT_MS = 120_000;

/**
 * The job: prints `rate` lines/s for `seconds` s once gates/start-<run> exists,
 * then, once gates/burst-<run> exists, `burst` more as fast as it can.
 */
export const STREAM_MJS = `import fs from 'node:fs';
const lineText = ${lineText.toString()};
const [rate, seconds, burst] = process.argv.slice(2).map(Number);
const gate = (name) => new Promise((resolve) => {
  const timer = setInterval(() => {
    if (fs.existsSync(\`gates/\${name}-\${process.env.JOBTRAY_RUN_ID}\`)) { clearInterval(timer); resolve(); }
  }, 20);
});
let i = 0;
const print = (upTo) => { let out = ''; while (i < upTo) out += lineText(++i) + '\\n'; if (out) process.stdout.write(out); };
await gate('start');
const total = rate * seconds;
const started = performance.now();
await new Promise((resolve) => {
  // Every 10 ms, the lines due by now: 2,000/s without drift.
  const tick = () => {
    print(Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate)));
    if (i >= total) resolve(); else setTimeout(tick, 10);
  };
  tick();
});
if (burst > 0) {
  await gate('burst');
  while (i < total + burst) print(Math.min(total + burst, i + 1000));
}
`;

export const JOBS_YAML = `jobs:
  - id: ${JOB_ID}
    command: [${JSON.stringify(process.execPath)}, stream.mjs, "${RATE}", "${SECONDS}", "{{burst}}"]
    params:
      burst: { type: integer, default: 0, min: 0, max: ${TOTAL_LINES} }
    timeout: 5m
`;

/** Collects the page's long tasks from its first script on (the list is emptied when the stream starts). */
const LONG_TASK_PROBE = `window.__longTasks = [];
new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(entry.duration); }).observe({ type: 'longtask', buffered: true });`;

interface Side {
  longTasks: number[];
  heapBeforeMb: number;
  heapAfterMb: number;
}

async function startRun(dash: DashboardHost, burst: number): Promise<RunRecord> {
  const { run } = await dash.api<{ run: RunRecord }>(`/api/jobs/${JOB_ID}/runs`, {
    method: 'POST',
    body: { params: { burst } },
  });
  return run;
}

async function runEnded(dash: DashboardHost, id: number): Promise<RunRecord> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const run = await dash.api<RunRecord>(`/api/runs/${id}`);
    if (isTerminal(run.state)) return run;
    if (Date.now() > deadline)
      throw new Error(`measurement broken: run ${id} still ${run.state} after ${TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const openGate = (dash: DashboardHost, name: string, runId: number) =>
  fs.writeFileSync(path.join(dash.dataDir, 'gates', `${name}-${runId}`), '');

/**
 * Waits until `expression` is true in the page, asking 4×/s (cheap for the
 * page). Page code is text (bench/ has no DOM types), evaluated through the
 * DevTools protocol: waitForFunction would eval it in the page, which the
 * dashboard's CSP forbids.
 */
async function until(page: Page, expression: string, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`measurement broken: ${what} did not happen within ${TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Lets the page finish loading (and its long tasks pass) before the stream starts. */
async function settle(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 }))');
}

/** The stream with the page open: its long tasks, and its heap before and after. */
async function stream(page: Page, dash: DashboardHost, runId: number, shown: string): Promise<Side> {
  await settle(page);
  const heapBeforeMb = await heapAfterGcMb(page);
  await page.evaluate('window.__longTasks.length = 0');
  openGate(dash, 'start', runId);
  await until(page, shown, `the page showing line ${STREAM_LINES}`);
  const longTasks = (await page.evaluate('window.__longTasks.slice()')) as number[];
  return { longTasks, heapBeforeMb, heapAfterMb: await heapAfterGcMb(page) };
}

/** The dashboard's run page, follow on. Line i is the row with data-seq > i (the run's first line is the system's). */
async function jobtraySide(
  page: Page,
  dash: DashboardHost,
): Promise<Side & { rowsAt100k: number; heapAt100kMb: number }> {
  const run = await startRun(dash, TOTAL_LINES - STREAM_LINES);
  await page.goto(dash.loginUrl);
  await page.locator('main[data-live=true]').waitFor({ timeout: TIMEOUT_MS });
  await page.evaluate(`window.location.hash = '#/runs/${run.id}'`);
  await page.locator('[data-testid=log-status]', { hasText: 'following' }).waitFor({ timeout: TIMEOUT_MS });
  const lastRowHas = (text: string) =>
    `document.querySelector('[data-testid=log-scroller]')?.textContent.includes(${JSON.stringify(text)}) ?? false`;
  const side = await stream(page, dash, run.id, lastRowHas(lineText(STREAM_LINES)));
  openGate(dash, 'burst', run.id);
  await until(page, lastRowHas(lineText(TOTAL_LINES)), `the page showing line ${TOTAL_LINES}`);
  const rowsAt100k = (await page.evaluate("document.querySelectorAll('[data-testid=log-row]').length")) as number;
  const heapAt100kMb = await heapAfterGcMb(page);
  const ended = await runEnded(dash, run.id);
  if (ended.state !== 'succeeded' || ended.log_count < TOTAL_LINES)
    throw new Error(`measurement broken: run ${run.id} ended ${ended.state} with ${ended.log_count} lines`);
  return { ...side, rowsAt100k: measured('log rows in the DOM', rowsAt100k), heapAt100kMb };
}

async function baselineSide(page: Page, dash: DashboardHost): Promise<Side> {
  const run = await startRun(dash, 0);
  await page.goto(`${dash.url}/baseline-log.html#token=${encodeURIComponent(dash.token)}&run=${run.id}`);
  await page.locator('body[data-ready=true]').waitFor({ state: 'attached', timeout: TIMEOUT_MS });
  const side = await stream(page, dash, run.id, `Number(document.body.dataset.lines ?? 0) >= ${STREAM_LINES}`);
  await runEnded(dash, run.id);
  return side;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export async function liveLog(): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const dash = await startDashboardHost({
    jobs: JOBS_YAML,
    files: { 'stream.mjs': STREAM_MJS, 'gates/.keep': '' },
    settings: { log_cap_per_run: 200_000 },
  });
  const chromium = await launchChromium();
  try {
    await chromium.context.addInitScript(LONG_TASK_PROBE);
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    if (!((await page.evaluate("PerformanceObserver.supportedEntryTypes.includes('longtask')")) as boolean))
      throw new Error('measurement broken: this Chromium reports no long tasks');
    const jobtray = await jobtraySide(page, dash);
    await page.goto('about:blank');
    const baseline = await baselineSide(page, dash);
    const [jTotal, bTotal] = [sum(jobtray.longTasks), measured('baseline long-task time', sum(baseline.longTasks))];
    const [jMax, bMax] = [Math.max(0, ...jobtray.longTasks), Math.max(0, ...baseline.longTasks)];
    return {
      rows: [
        {
          metric: 'B7b long-task time during the stream',
          jobtray: jTotal,
          baseline: bTotal,
          baselineLabel: 'naive <pre>',
          unit: 'ms',
          goal: '≤ 0.5× baseline',
          pass: jTotal / bTotal <= 0.5,
        },
        {
          metric: 'B7b longest task during the stream',
          jobtray: jMax,
          baseline: bMax,
          baselineLabel: 'naive <pre>',
          unit: 'ms',
          goal: '≤ 100 ms',
          pass: jMax <= 100,
        },
        {
          metric: `B7b log rows in the DOM at ${TOTAL_LINES.toLocaleString('en')} lines`,
          jobtray: jobtray.rowsAt100k,
          baseline: null,
          baselineLabel: '',
          unit: 'rows',
          goal: '< 500',
          pass: jobtray.rowsAt100k < 500,
        },
        {
          metric: 'B7b JS heap after the stream',
          jobtray: jobtray.heapAfterMb,
          baseline: measured('heap before the stream', jobtray.heapBeforeMb),
          baselineLabel: 'before it',
          unit: 'MB',
          goal: '≤ 2× before',
          pass: ratio(jobtray.heapAfterMb, jobtray.heapBeforeMb) <= 2,
        },
        {
          metric: `B7b JS heap at ${TOTAL_LINES.toLocaleString('en')} lines`,
          jobtray: jobtray.heapAt100kMb,
          baseline: jobtray.heapBeforeMb,
          baselineLabel: 'before the stream',
          unit: 'MB',
          goal: '— (info)',
          pass: true,
        },
      ],
      notes: [
        `B7b: a node command job prints ${RATE.toLocaleString('en')} lines/s (~75 characters) for ${SECONDS} s, page open on its run with follow on; long tasks from PerformanceObserver('longtask') from the first line until the page shows line ${STREAM_LINES.toLocaleString('en')}: Jobtray ${jobtray.longTasks.length} tasks, baseline ${baseline.longTasks.length}. Heap: CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage (baseline heap: ${baseline.heapBeforeMb.toFixed(1)} → ${baseline.heapAfterMb.toFixed(1)} MB).`,
      ],
    };
  } finally {
    await chromium.close();
    await dash.close();
  }
}
