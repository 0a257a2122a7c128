import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { startDashboardHost, type DashboardHost } from './dashboard-host.js';
import { ensureHistory, jobIdsFor, type HistorySpec } from './gen-history.js';
import { type BenchRow, measured, median, quantile, ratio, tempDir } from './lib.js';

/**
 * B7a — first render of the job grid. The host has 200 jobs with about 60
 * runs of history each (a third of them in the last 24 h). Jobtray's figure:
 * from navigation to the dashboard's `jobtray:cards-rendered` mark (all 200
 * cards on screen with live data: the event stream open and every store
 * loaded). Baseline: bench/pages/baseline-grid.html, served by the same host,
 * fetching /api/jobs and writing the same text with one innerHTML, to its
 * `baseline:rendered` mark. Samples alternate between the two, each a fresh
 * page load.
 */

export const B7_HISTORY: HistorySpec = {
  name: 'b7-grid',
  runs: 12_000,
  logLines: 24_000,
  jobs: 200,
  bigRuns: 0,
  days: 3,
};
const SAMPLES = 15;
const TIMEOUT_MS = 60_000;

const SCHEDULES = [
  '{ every: 5m }',
  '{ every: 15m }',
  '{ every: 1h }',
  '{ cron: "*/10 9-18 * * 1-5" }',
  '{ cron: "0 3 * * *", timezone: Europe/Berlin }',
  '{ cron: "30 6 * * 1" }',
  null,
];
const TAGS = ['sync', 'export', 'backup', 'report', 'shop-a', 'shop-b', 'stock', 'orders'];

/** 200 jobs like an ops team's: mixed schedules, tags, descriptions; some with params. */
export function manyJobsYaml(ids: readonly string[]): string {
  const jobs = ids.map((id, i) => {
    const schedule = SCHEDULES[i % SCHEDULES.length];
    return [
      `  - id: ${id}`,
      `    name: ${['Sync orders', 'Export invoices', 'Backup database', 'Stock levels', 'Price report'][i % 5]} ${i + 1}`,
      `    description: Runs the ${['orders', 'invoices', 'backup', 'stock', 'pricing'][i % 5]} script for shop ${(i % 12) + 1} and reports what it did.`,
      `    tags: [${TAGS[i % TAGS.length]}, ${TAGS[(i + 3) % TAGS.length]}]`,
      `    command: [sh, -c, 'echo ok']`,
      ...(schedule ? [`    schedule: ${schedule}`] : []),
      ...(i % 4 === 0 ? ['    params:', '      days_back: { type: integer, default: 7, min: 1, max: 90 }'] : []),
    ].join('\n');
  });
  return `version: 1\njobs:\n${jobs.join('\n')}\n`;
}

/** A fresh data dir holding a copy of the generated history (the host writes to its database). */
function dataDirWithHistory(): string {
  const history = ensureHistory(B7_HISTORY);
  const dataDir = tempDir('b7a');
  fs.copyFileSync(history.dbFile, path.join(dataDir, 'jobtray.db'));
  return dataDir;
}

async function markTime(page: Page, name: string): Promise<number> {
  // A function, not a string: a polled string is eval'ed in the page, which the dashboard's CSP forbids.
  const handle = await page.waitForFunction((mark) => performance.getEntriesByName(mark)[0]?.startTime ?? null, name, {
    timeout: TIMEOUT_MS,
    polling: 50,
  });
  return measured(`${name} mark`, (await handle.jsonValue()) as number);
}

/**
 * One page load, timed to the page's own mark. Nothing of Playwright's polls
 * the DOM meanwhile (its selector waits would cost the page time): the mark
 * is waited for with a cheap predicate, and the page is checked after it.
 */
async function sample(page: Page, url: string, mark: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'commit', timeout: TIMEOUT_MS });
  return markTime(page, mark);
}

/** The dashboard: navigation start → every card rendered with live data; checks the cards are there, then their sparklines. */
async function dashboardSample(page: Page, dash: DashboardHost): Promise<number> {
  const ms = await sample(page, dash.loginUrl, 'jobtray:cards-rendered');
  // The header's data (health) may still be on its way at the mark; then everything is live.
  await page.locator('main[data-live=true]').waitFor({ timeout: TIMEOUT_MS });
  const cards = await page.locator('[data-testid=job-card]').count();
  if (cards !== B7_HISTORY.jobs)
    throw new Error(`measurement broken: ${cards} job cards rendered, expected ${B7_HISTORY.jobs}`);
  // The sparklines come after the cards; every job has history, so nearly every card gets one.
  await page
    .locator('[data-testid=sparkline]:not([data-points="0"])')
    .nth(Math.floor(B7_HISTORY.jobs * 0.9))
    .waitFor({ state: 'attached', timeout: TIMEOUT_MS });
  return ms;
}

async function baselineSample(page: Page, dash: DashboardHost): Promise<number> {
  const ms = await sample(
    page,
    `${dash.url}/baseline-grid.html#token=${encodeURIComponent(dash.token)}`,
    'baseline:rendered',
  );
  const cards = Number(await page.evaluate('document.body.dataset.cards'));
  if (cards !== B7_HISTORY.jobs)
    throw new Error(`measurement broken: the baseline rendered ${cards} jobs, expected ${B7_HISTORY.jobs}`);
  return ms;
}

export async function firstRender(): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const dash = await startDashboardHost({ dataDir: dataDirWithHistory(), jobs: manyJobsYaml(jobIdsFor(B7_HISTORY)) });
  const chromium = await launchChromium();
  try {
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    // Warm-up: both pages loaded once (Chromium's caches, V8's code cache, the engine's statements).
    await dashboardSample(page, dash);
    await baselineSample(page, dash);
    const jobtray: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      jobtray.push(await dashboardSample(page, dash));
      baseline.push(await baselineSample(page, dash));
    }
    const [j, b] = [median(jobtray), median(baseline)];
    const [j90, b90] = [quantile(jobtray, 0.9), quantile(baseline, 0.9)];
    return {
      rows: [
        {
          metric: 'B7a first render, 200 cards — median',
          jobtray: j,
          baseline: b,
          baselineLabel: 'one innerHTML',
          unit: 'ms',
          goal: '≤ 2.5× baseline',
          pass: ratio(j, b) <= 2.5,
        },
        {
          metric: 'B7a first render, 200 cards — p90',
          jobtray: j90,
          baseline: b90,
          baselineLabel: 'one innerHTML',
          unit: 'ms',
          goal: '— (info)',
          pass: true,
        },
      ],
      notes: [
        `B7a: ${B7_HISTORY.jobs} jobs, ${B7_HISTORY.runs.toLocaleString('en')} runs over ${B7_HISTORY.days} days; ${SAMPLES} alternating page loads per side after one warm-up each; navigation start → the page's own mark (jobtray:cards-rendered: every card with live data; baseline:rendered: right after its innerHTML).`,
        `B7a samples (ms): Jobtray ${jobtray.map((v) => v.toFixed(0)).join(', ')}; baseline ${baseline.map((v) => v.toFixed(0)).join(', ')}.`,
      ],
    };
  } finally {
    await chromium.close();
    await dash.close();
  }
}
