import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogPage, RunPage, RunRecord } from '../../contract/model.js';
import { isAlive } from '../helpers/engine.js';
import { keptAcrossTests } from '../helpers/open-handles.js';
import { liveDescendants } from '../helpers/processes.js';
import {
  BRIDGE_MODES,
  dashboardSuite,
  card,
  markDocument,
  recordTexts,
  shows,
  until,
  vanishes,
} from './dashboard-fixture.js';
import { STOCK_CSV, chattyLine } from './e2e-jobs.js';

/**
 * Runs from the dashboard, end to end: real jobs started, followed, retried,
 * cancelled and downloaded from in Chromium, checked against the engine.
 * Scenarios 3–7 and 12 of the dashboard issue, in order on one page.
 */
describe.each(BRIDGE_MODES)('dashboard runs (%s bridge)', (mode) => {
  const d = dashboardSuite(mode);

  const runsOf = async (jobId: string) => (await d.host.api<RunPage>(`/api/runs?job=${jobId}`)).runs;
  const openGate = (name: string) => fs.writeFileSync(path.join(d.host.dataDir, 'gates', name), '');
  /** The job's one run, once the engine has it. */
  const onlyRun = async (jobId: string) =>
    (
      await until(
        `a run of ${jobId}`,
        () => runsOf(jobId),
        (runs) => runs.length === 1,
      )
    )[0]!;
  const logLines = async (runId: number) =>
    (await d.host.api<LogPage>(`/api/runs/${runId}/logs`)).lines.map((l) => l.message);
  const toGrid = () => d.go('/', '[data-testid=job-grid]');

  it('3. Run now with params: the form refuses a bad value; a good one starts a run whose progress moves and completes without a reload', async () => {
    await toGrid();
    const { page } = d;
    const importCard = card(page, 'import-orders');
    const field = (name: string) => importCard.getByTestId(`param-${name}`);
    await importCard.getByTestId('run-now').click();
    await shows(importCard.getByTestId('params-form'), 'the params form');
    // Generated from the param specs, defaults filled in.
    expect(await field('batches').locator('input').inputValue()).toBe('3');
    expect(await field('ratio').locator('input').inputValue()).toBe('0.5');
    expect(await field('label').locator('input').inputValue()).toBe('nightly');
    expect(await field('dry_run').locator('input[type=checkbox]').isChecked()).toBe(false);
    expect(await field('mode').locator('select').inputValue()).toBe('quick');

    await field('batches').locator('input').fill('99');
    await field('label').locator('input').fill('x'.repeat(21));
    await importCard.getByTestId('params-submit').click();
    await shows(
      field('batches').getByTestId('field-error').getByText('must be at most 10'),
      'the bound of batches next to its field',
    );
    await shows(
      field('label').getByTestId('field-error').getByText('must be at most 20 characters'),
      'the length limit next to the label field',
    );
    expect(await importCard.getByTestId('run-dialog').isVisible()).toBe(true);
    expect(await runsOf('import-orders'), 'no run started from a refused form').toEqual([]);

    await field('batches').locator('input').fill('3');
    await field('ratio').locator('input').fill('0.25');
    await field('label').locator('input').fill('e2e');
    await field('dry_run').locator('input[type=checkbox]').check();
    await field('mode').locator('select').selectOption('full');
    const sameDocument = await markDocument(page);
    const progress = await recordTexts(page, '[data-job-id=import-orders] [data-testid=progress]');
    await importCard.getByTestId('params-submit').click();
    await vanishes(importCard.getByTestId('run-dialog'), 'the run dialog');

    // The job waits at each batch for the test to open its gate: the bar is seen at every step.
    const bar = importCard.getByRole('progressbar');
    for (const [batch, percent] of [
      [1, 25],
      [2, 50],
      [3, 75],
    ] as const) {
      await shows(
        importCard.locator(`[role=progressbar][aria-valuenow="${percent}"]`),
        `the progress bar at ${percent}%`,
      );
      expect(await importCard.getByTestId('progress-step').textContent()).toBe(`batch ${batch} of 3`);
      openGate(`batch-${batch}`);
    }
    await shows(
      importCard.locator('[data-testid=job-last-outcome] [data-state=succeeded]'),
      'the run succeeded on the card',
    );
    expect(await bar.count(), 'no progress bar once the run is over').toBe(0);
    // Percent and step, in order (before the first report the bar says "working…", at the end "100% done").
    expect((await progress()).filter((text) => text.includes('batch'))).toEqual([
      '25%batch 1 of 3',
      '50%batch 2 of 3',
      '75%batch 3 of 3',
    ]);
    expect(await sameDocument(), 'the page was not reloaded').toBe(true);
    const run = await onlyRun('import-orders');
    expect(run).toMatchObject({
      state: 'succeeded',
      trigger: 'manual',
      params: { batches: 3, ratio: 0.25, label: 'e2e', dry_run: true, mode: 'full' },
    });
  });

  it('4. a flaky job shows "retry … in …", then succeeds', async () => {
    await toGrid();
    const flaky = card(d.page, 'flaky-api');
    const retries = await recordTexts(d.page, '[data-job-id=flaky-api] [data-testid=retry-countdown]');
    await flaky.getByTestId('run-now').click();
    await shows(flaky.getByTestId('retry-countdown').getByText(/retry 2\/3 in \d s/), '"retry 2/3 in … s" on the card');
    await shows(
      flaky.locator('[data-testid=job-last-outcome] [data-state=succeeded]'),
      'the third attempt succeeded on the card',
      30_000,
    );
    expect(await flaky.getByTestId('retry-countdown').count()).toBe(0);
    const seen = await retries();
    expect(
      seen.some((text) => /^↻ retry 2\/3 in \d s$/.test(text)),
      `retry 2/3 among ${JSON.stringify(seen)}`,
    ).toBe(true);
    expect(
      seen.some((text) => /^↻ retry 3\/3 in \d s$/.test(text)),
      `retry 3/3 among ${JSON.stringify(seen)}`,
    ).toBe(true);
    const attempts = (await runsOf('flaky-api')).sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((r) => [r.attempt, r.state])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
  });

  it('5. a failing job turns the header health to failing', async () => {
    await toGrid();
    const health = d.page.getByTestId('overall-health');
    expect(await health.getAttribute('data-status')).not.toBe('failing');
    await card(d.page, 'always-fails').getByTestId('run-now').click();
    await shows(d.page.locator('[data-testid=overall-health][data-status=failing]'), 'the header health failing');
    // A word, not only a colour.
    expect(await health.textContent()).toContain('Failing');
    await shows(d.page.getByTestId('count-failing').getByText('1 failing'), 'one failing job counted');
    await shows(
      card(d.page, 'always-fails').locator('[data-testid=health-badge][data-health=failing]'),
      'the card failing',
    );
    expect((await onlyRun('always-fails')).state).toBe('failed');
  });

  it('6. Cancel stops a long job: it ends cancelled, and its processes are gone', async () => {
    await toGrid();
    const long = card(d.page, 'long-export');
    await long.getByTestId('run-now').click();
    const run = await onlyRun('long-export');
    const lines = await until(
      'the job to print its pids',
      () => logLines(run.id),
      (l) => l.some((m) => m.startsWith('sleep ')),
    );
    const pids = lines.filter((m) => /^(shell|sleep) \d+$/.test(m)).map((m) => Number(m.split(' ')[1]));
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive), 'the shell and its sleep run').toBe(true);

    await long.getByTestId('cancel-run').click();
    await shows(long.locator('[data-testid=job-last-outcome] [data-state=cancelled]'), 'the run cancelled on the card');
    expect(await long.getByTestId('cancel-run').count()).toBe(0);
    expect((await d.host.api<RunRecord>(`/api/runs/${run.id}`)).state).toBe('cancelled');
    await until(
      `the processes ${pids.join(', ')} to be gone`,
      () => pids.filter(isAlive),
      (alive) => alive.length === 0,
      10_000,
    );
    // The engine's own helpers too (it lists the tree with `ps` while the worker already signals it).
    await until(
      'no process of this test left but the browser',
      () => liveDescendants(process.pid, keptAcrossTests()),
      (left) => left.length === 0,
      10_000,
    );
  });

  it('7. the live log shows lines as the job prints them, and search finds a line', async () => {
    await toGrid();
    const { page } = d;
    const chatty = card(page, 'chatty');
    await chatty.getByTestId('run-now').click();
    const run = await onlyRun('chatty');
    await chatty.getByRole('link', { name: `Run #${run.id}`, exact: true }).click();
    await shows(page.getByTestId('run-title').getByText(`Run #${run.id}`), 'the run page');
    expect(await page.getByTestId('log-follow').isChecked(), 'follow is on').toBe(true);

    // New lines appear while the job is still running, the newest in view (follow).
    const newestShown = async () =>
      Math.max(
        0,
        ...(await page
          .getByTestId('log-row')
          .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq') ?? 0)))),
      );
    const first = await until('log lines on the run page', newestShown, (seq) => seq >= 5);
    await until('more lines while the job runs', newestShown, (seq) => seq >= first + 10);
    expect(await page.locator('[data-testid=run-title] ~ [data-testid=run-state]').getAttribute('data-state')).toBe(
      'running',
    );
    const newest = await newestShown();
    await shows(
      page.locator(`[data-testid=log-row][data-seq="${newest}"]`).getByText(chattyLine(newest)),
      `line ${newest} in view`,
    );

    openGate('chatty-stop');
    await shows(
      page.locator('[data-testid=run-title] ~ [data-testid=run-state][data-state=succeeded]'),
      'the run succeeded on its page',
    );
    await shows(page.getByTestId('log-row').getByText('chatty: done'), 'the last line');

    await page.getByTestId('log-search').fill('synced order 1007');
    await page.getByTestId('log-search-submit').click();
    await shows(page.getByTestId('log-status').getByText('1 line match “synced order 1007”'), 'one match');
    expect(await page.getByTestId('log-row').allTextContents()).toEqual([expect.stringContaining(chattyLine(7))]);
    await page.getByTestId('log-search-clear').click();
    await until(
      'every line back after the search',
      () => page.getByTestId('log-row').count(),
      (n) => n > 1,
    );
  });

  it('12. artifacts download', async () => {
    await toGrid();
    const { page } = d;
    const report = card(page, 'stock-report');
    await report.getByTestId('run-now').click();
    await shows(report.locator('[data-testid=job-last-outcome] [data-state=succeeded]'), 'the report run succeeded');
    const run = await onlyRun('stock-report');
    await report.getByTestId('job-last-outcome').getByRole('link').click();
    const artifact = await shows(
      page.locator('[data-testid=artifact][data-name="stock.csv"]'),
      'the artifact on the run page',
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      artifact.getByTestId('artifact-save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('stock.csv');
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe(STOCK_CSV);

    await artifact.getByTestId('artifact-open').click();
    await shows(page.getByTestId('artifact-preview').getByText('ABC-001,42'), 'the CSV shown in the page');
    expect(page.url()).toContain(`#/runs/${run.id}`);
  });
});
