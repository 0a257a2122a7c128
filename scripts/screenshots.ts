import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import type { RunRecord, Schedule } from '../contract/model.js';
import { lastSlotBetween } from '../contract/schedule.js';
import { packageRoot } from '../main/engine/paths.js';
import { openStore } from '../main/engine/store/index.js';
import { launchChromium } from '../bench/chromium.js';
import { startDashboardHost, type DashboardHost } from '../bench/dashboard-host.js';
import { INSERT_RUN_SQL } from '../bench/gen-history.js';

/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png — the grid, a job,
 * a run with its live log, the params form and the config-error banner, in the
 * light and the dark scheme — from a seeded demo host: a fixed jobs file, a
 * history written straight into its database (the same outcomes and durations
 * every time, at fixed distances from now), one live run that stops where the
 * screenshots want it (it waits for a gate file), UTC and en-GB in a fixed
 * viewport. Only the clock-dependent texts (countdowns, "… ago") vary.
 */

const OUT = path.join(packageRoot(), 'docs', 'screenshots');
const WAIT_MS = 30_000;
const MIN = 60_000;

/** Every job runs one of these small node programs (no shell, no Python needed). */
const FILES: Record<string, string> = {
  'jobs/work.mjs': `console.log('working on ' + process.argv[2]); console.log('done');\n`,
  // The live run: a realistic log, progress, then it waits until the screenshots are taken.
  'jobs/push-stock.mjs': `import fs from 'node:fs';
const shops = ['shop-a', 'shop-b', 'shop-c'];
let n = 0;
for (const shop of shops) {
  console.log(\`Fetching stock levels for \${shop}\`);
  for (let page = 1; page <= 12; page++) console.log(\`\${shop}: page \${page}/12, \${40 + ((page * 37) % 60)} SKUs updated\`);
  if (shop === 'shop-b') console.error('shop-b: 3 SKUs unknown to the marketplace (ABC-114, ABC-207, ABC-311), skipped');
  console.log(\`::progress \${Math.round((++n / shops.length) * 60)} \${shop} done\`);
}
console.log('::progress 60 Uploading the summary');
const gate = 'gates/finish';
while (!fs.existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 100));
console.log('::progress 100 done');
`,
};

const command = (script: string, arg = '') => `[node, ${script}${arg ? `, ${arg}` : ''}]`;

const JOBS = `version: 1
jobs:
  - id: sync-orders
    name: Sync marketplace orders
    description: Pulls new orders from the three shops and books them into the ERP.
    tags: [orders, shops]
    command: ${command('jobs/work.mjs', 'orders')}
    schedule: { every: 10m }
    retries: { max: 2, delay: 30s }
  - id: push-stock
    name: Push stock levels
    description: Sends the warehouse's stock levels to every shop.
    tags: [stock, shops]
    command: ${command('jobs/push-stock.mjs')}
    schedule: { every: 30m }
  - id: export-invoices
    name: Export invoices
    description: Writes the day's invoices for the accountant, as CSV or Excel.
    tags: [finance, export]
    command: ${command('jobs/work.mjs', 'invoices')}
    schedule: { cron: "0 7 * * 1-5", timezone: Europe/Berlin }
    params:
      days_back: { type: integer, label: Days back, default: 1, min: 1, max: 31 }
      format: { type: enum, label: Format, values: [csv, xlsx], default: csv }
      include_drafts: { type: boolean, label: Include drafts, default: false }
      note: { type: string, label: Note for the accountant, max: 80 }
  - id: price-report
    name: Competitor price report
    description: Scrapes competitor prices for the top 500 products.
    tags: [report]
    command: ${command('jobs/work.mjs', 'prices')}
    schedule: { cron: "15 */2 * * *" }
  - id: nightly-backup
    name: Nightly database backup
    description: Dumps the shop database and copies it to the NAS.
    tags: [backup]
    command: ${command('jobs/work.mjs', 'backup')}
    schedule: { cron: "30 2 * * *" }
  - id: shop-feed
    name: Google Shopping feed
    description: Regenerates the product feed.
    tags: [shops, export]
    command: ${command('jobs/work.mjs', 'feed')}
    schedule: { every: 1h }
  - id: label-sync
    name: Sync shipping labels
    description: Fetches the carriers' labels for today's parcels. Run by hand.
    tags: [shipping]
    command: ${command('jobs/work.mjs', 'labels')}
  - id: cleanup-temp
    name: Clean temp folder
    description: Deletes exports older than 30 days.
    tags: [maintenance]
    enabled: false
    command: ${command('jobs/work.mjs', 'cleanup')}
    schedule: { cron: "0 4 * * 0" }
`;

const cron = (expression: string, timezone: string | null = null): Schedule => ({
  kind: 'cron',
  cron: expression,
  timezone,
});

/**
 * Seeded history per job: 30 runs this far apart, a duration pattern, which
 * runs failed; the newest finished `newest` ago, or right after the cron's
 * latest slot (so no scheduled job looks overdue).
 */
const HISTORY: Record<
  string,
  { every: number; newest: number | Schedule; seconds: number; failed?: (i: number) => boolean }
> = {
  'sync-orders': { every: 10 * MIN, newest: 4 * MIN, seconds: 42, failed: (i) => i === 7 || i === 19 },
  'push-stock': { every: 30 * MIN, newest: 25 * MIN, seconds: 95 },
  'export-invoices': { every: 24 * 60 * MIN, newest: cron('0 7 * * 1-5', 'Europe/Berlin'), seconds: 18 },
  'price-report': { every: 120 * MIN, newest: cron('15 */2 * * *'), seconds: 140, failed: (i) => i < 3 || i === 11 },
  'nightly-backup': { every: 24 * 60 * MIN, newest: cron('30 2 * * *'), seconds: 610 },
  'shop-feed': { every: 60 * MIN, newest: 20 * MIN, seconds: 33 },
  'label-sync': { every: 180 * MIN, newest: 100 * MIN, seconds: 12 },
};

/** When a job's newest seeded run finished. */
function newestFinish(newest: number | Schedule, seconds: number, now: number): number {
  if (typeof newest === 'number') return now - newest;
  const slot = lastSlotBetween(newest, now - 8 * 24 * 60 * MIN, now) ?? now - 60 * MIN;
  return Math.min(slot + seconds * 1000, now - MIN);
}

/** Writes the demo history into a fresh data dir's database (the store creates the schema). */
function seedHistory(dataDir: string, now: number): void {
  const file = path.join(dataDir, 'jobtray.db');
  openStore({ path: file }).close();
  const db = new Database(file);
  try {
    const insert = db.prepare(INSERT_RUN_SQL);
    let id = 0;
    const rows = Object.entries(HISTORY).flatMap(([job, h]) =>
      Array.from({ length: 30 }, (_, i) => {
        const failed = h.failed?.(i) ?? false;
        // Durations wander around the job's typical one, the same way every time.
        const duration = Math.round(h.seconds * 1000 * (1 + 0.35 * Math.sin(i * 1.7) + (failed ? -0.4 : 0)));
        const finished = newestFinish(h.newest, h.seconds, now) - i * h.every;
        return { job, failed, duration, finished };
      }),
    );
    for (const row of rows.sort((a, b) => a.finished - b.finished)) {
      const started = row.finished - row.duration;
      insert.run({
        id: ++id,
        job_id: row.job,
        trigger: 'schedule',
        requested_by: 'engine',
        params: '{}',
        state: row.failed ? 'failed' : 'succeeded',
        attempt: 1,
        reason: null,
        created_at: started - 20,
        started_at: started,
        finished_at: row.finished,
        duration_ms: row.duration,
        progress: row.failed ? 40 : 100,
        step: null,
        exit_code: row.failed ? 1 : 0,
        error: row.failed
          ? 'exited with code 1: requests.exceptions.ConnectionError: marketplace API returned 503'
          : null,
        error_code: row.failed ? 'exit_code' : null,
        result: null,
        log_count: 0,
      });
    }
  } finally {
    db.close();
  }
}

async function waitFor(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ state: 'visible', timeout: WAIT_MS });
}

async function go(page: Page, route: string, ready: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(`#${route}`)}`);
  await waitFor(page, ready);
}

/** The viewport, or the whole page (the detail pages, whose log and history are below the fold). */
async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: path.join(OUT, `${name}.png`), animations: 'disabled', caret: 'hide', fullPage });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  // A fixed folder: the job page shows the jobs' working folder.
  const dataDir = path.join(os.tmpdir(), 'jobtray-screenshots');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  seedHistory(dataDir, Math.floor(Date.now() / MIN) * MIN);
  const dash: DashboardHost = await startDashboardHost({ dataDir, jobs: JOBS, files: { ...FILES, 'gates/.keep': '' } });
  const chromium = await launchChromium({ viewport: { width: 1280, height: 900 } });
  try {
    fs.mkdirSync(OUT, { recursive: true });
    await dash.api('/api/jobs/shop-feed/schedule', { method: 'PUT', body: { every: '15m' } });
    const { run } = await dash.api<{ run: RunRecord }>('/api/jobs/push-stock/runs', { method: 'POST', body: {} });
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    await page.goto(dash.loginUrl);
    await waitFor(page, 'main[data-live=true]');
    await waitFor(page, '[data-job-id=push-stock] [role=progressbar][aria-valuenow="60"]');

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // No focus or hover left from the last pass's dialog.
      await page.evaluate('document.activeElement?.blur()');
      await page.mouse.move(0, 0);
      await go(page, '/', '[data-job-id=sync-orders] [data-testid=sparkline][data-points="30"]');
      await shoot(page, `grid-${scheme}`);

      await page.locator('[data-job-id=export-invoices] [data-testid=run-now]').click();
      await waitFor(page, '[data-job-id=export-invoices] [data-testid=params-form]');
      await shoot(page, `params-form-${scheme}`);
      await page.keyboard.press('Escape');

      await go(page, '/jobs/sync-orders', '[data-testid=duration-chart] canvas');
      await waitFor(page, '[data-testid=schedule-preview][data-valid=true]');
      await waitFor(page, '[data-testid=history-row]');
      await shoot(page, `job-detail-${scheme}`, true);

      await go(page, `/runs/${run.id}`, '[data-testid=log-row]');
      await waitFor(page, '[data-testid=log-status] >> text=following');
      await waitFor(page, '[data-testid=log-row] >> text=Uploading the summary');
      await shoot(page, `run-detail-${scheme}`, true);

      const jobsFile = path.join(dataDir, 'jobs.yaml');
      await go(page, '/', '[data-testid=job-grid]');
      fs.writeFileSync(jobsFile, JOBS.replace('schedule: { every: 10m }', 'schedule: { every: often }'));
      await dash.api('/api/reload', { method: 'POST', body: {} });
      await waitFor(page, '[data-testid=config-error-banner]');
      await shoot(page, `config-error-${scheme}`);
      fs.writeFileSync(jobsFile, JOBS);
      await dash.api('/api/reload', { method: 'POST', body: {} });
      await page.locator('[data-testid=config-error-banner]').waitFor({ state: 'hidden', timeout: WAIT_MS });
    }
    fs.writeFileSync(path.join(dataDir, 'gates', 'finish'), '');
  } finally {
    await chromium.close();
    await dash.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
