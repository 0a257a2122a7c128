import fs from 'node:fs';
import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../contract/model.js';
import { TOKEN_KEY } from '../../renderer/src/bridge/token.js';
import { spawnCli } from '../helpers/cli.js';
import { makeDataDir, writeFiles } from '../helpers/engine.js';
import { BRIDGE_MODES, dashboardSuite, card, shows, until, vanishes } from './dashboard-fixture.js';
import { E2E_FILES, E2E_JOBS, SCHEDULES_IN_WORDS } from './e2e-jobs.js';

/**
 * The job grid and the host around it, end to end in Chromium: scenarios 1, 2,
 * 8–11 of the dashboard issue (the printed URL, the cards, enable/disable, a
 * schedule override, the config-error banner, a host restart).
 */
describe.each(BRIDGE_MODES)('dashboard jobs (%s bridge)', (mode) => {
  const d = dashboardSuite(mode);

  const toGrid = () => d.go('/', '[data-testid=job-grid]');
  const job = (id: string) => d.host.api<JobView>(`/api/jobs/${id}`);
  /** Disables and enables a job through the test's own client: the card follows the engine's events. */
  const toggledBehindThePage = async (id: string) => {
    await d.host.api(`/api/jobs/${id}/disable`, { method: 'POST', body: {} });
    await shows(card(d.page, id).locator('[data-testid=health-badge][data-health=disabled]'), 'the card disabled');
    await d.host.api(`/api/jobs/${id}/enable`, { method: 'POST', body: {} });
    await shows(card(d.page, id).locator('[data-testid=health-badge][data-health=ok]'), 'the card enabled again');
  };

  // The printed URL and its token are the Local API's; the desktop window has neither.
  if (mode === 'http') {
    it('1. the page opens from the URL `jobtray serve` prints, and the token is gone from the address bar', async () => {
      const dataDir = makeDataDir();
      writeFiles(dataDir, { ...E2E_FILES, 'jobs.yaml': E2E_JOBS });
      const serve = spawnCli(['serve', '--data-dir', dataDir, '--port', '0']);
      const page = await d.browser.context.newPage();
      try {
        const match = await serve.waitForStdout(/^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=(\S+))$/m);
        const printed = match[1]!;
        const token = match[2]!;
        // Without the token the page says how to get one; the printed link then opens the dashboard in the same tab.
        await page.goto(new URL(printed).origin);
        await shows(page.getByTestId('token-missing'), 'how to open the dashboard');
        await page.goto(printed);
        await shows(page.locator('main[data-live=true]'), 'the dashboard with live data');
        await shows(page.getByTestId('job-card').nth(Object.keys(SCHEDULES_IN_WORDS).length - 1), 'every card');
        expect(page.url()).toBe(`${new URL(printed).origin}/#/`);
        expect(await page.evaluate(() => window.location.href)).not.toContain(token);
        expect(await page.evaluate((key) => window.sessionStorage.getItem(key), TOKEN_KEY)).toBe(
          decodeURIComponent(token),
        );
      } finally {
        // Closed before the host stops, so its reconnect attempts never start.
        await page.close();
        serve.child.kill('SIGTERM');
        await serve.exitedWithin(15_000);
      }
    });
  }

  it('2. all cards show, with schedules in words', async () => {
    await toGrid();
    const cards = d.page.getByTestId('job-card');
    await until(
      'every job as a card',
      () => cards.count(),
      (n) => n === Object.keys(SCHEDULES_IN_WORDS).length,
    );
    for (const [id, words] of Object.entries(SCHEDULES_IN_WORDS)) {
      expect((await card(d.page, id).getByTestId('job-schedule').textContent())?.trim(), `${id}'s schedule`).toBe(
        words,
      );
    }
    expect(await card(d.page, 'stock-sync').getByTestId('job-countdown').textContent()).toMatch(/^in (59 min|1 h)$/);
    expect(await card(d.page, 'nightly-backup').getByTestId('job-countdown').textContent()).toMatch(/^in \d+ (h|min)/);
    expect(await card(d.page, 'chatty').getByTestId('job-countdown').count(), 'a manual job has no countdown').toBe(0);
  });

  it('8. disable and enable', async () => {
    await toGrid();
    const sync = card(d.page, 'stock-sync');
    const toggle = sync.getByTestId('toggle-enabled');
    expect(await toggle.textContent()).toContain('Disable');
    await toggle.click();
    await shows(sync.locator('[data-testid=health-badge][data-health=disabled]'), 'the card disabled');
    await shows(sync.getByText('Disabled: does not run on its schedule'), 'no countdown while disabled');
    expect(await toggle.textContent()).toContain('Enable');
    expect(await job('stock-sync')).toMatchObject({ enabled: false, next_fire_at: null });

    await toggle.click();
    await shows(sync.locator('[data-testid=health-badge][data-health=ok]'), 'the card enabled again');
    await shows(sync.getByTestId('job-countdown'), 'the countdown back');
    expect(await toggle.textContent()).toContain('Disable');
    expect((await job('stock-sync')).enabled).toBe(true);
  });

  it('9. a schedule override changes the countdown, then reverts', async () => {
    const { page } = d;
    await toGrid();
    const sync = card(page, 'stock-sync');
    expect(await sync.getByTestId('job-countdown').textContent()).toMatch(/^in (59 min|1 h)$/);
    await sync.getByTestId('job-name').click();
    await shows(page.getByTestId('job-title').getByText('Stock sync'), 'the job page');
    await page.getByTestId('schedule-every').fill('5m');
    await shows(
      page.locator('[data-testid=schedule-preview][data-valid=true]').getByText('Every 5 minutes'),
      'the preview of every 5 minutes',
    );
    expect(await page.getByTestId('schedule-preview-time').count()).toBe(5);
    await page.getByTestId('schedule-save').click();
    await shows(page.getByTestId('schedule-saved'), 'the override saved');

    await toGrid();
    await shows(sync.getByTestId('job-overridden'), '"overridden" on the card');
    expect((await sync.getByTestId('job-schedule').textContent())?.trim()).toMatch(/^Every 5 minutes\s*overridden$/);
    expect(await sync.getByTestId('job-countdown').textContent()).toMatch(/^in (4 min \d\d s|5 min)$/);
    expect((await job('stock-sync')).overrides.schedule).toMatchObject({ kind: 'every', every_ms: 300_000 });

    await sync.getByTestId('job-name').click();
    await page.getByTestId('schedule-revert').click();
    await shows(
      page.getByTestId('schedule-saved').getByText('Back to the schedule in the jobs file'),
      'the override reverted',
    );
    await toGrid();
    await vanishes(sync.getByTestId('job-overridden'), '"overridden" on the card');
    expect((await sync.getByTestId('job-schedule').textContent())?.trim()).toBe('Every hour');
    expect(await sync.getByTestId('job-countdown').textContent()).toMatch(/^in (59 min|1 h)$/);
    expect((await job('stock-sync')).overrides.schedule).toBeNull();
  });

  it('10. the config-error banner appears when the jobs file breaks, and clears when it is fixed', async () => {
    await toGrid();
    const good = fs.readFileSync(d.host.jobsFile, 'utf8');
    const broken = good.replace('    timeout: 2m\n', '    timeout: soon\n');
    expect(broken).not.toBe(good);
    fs.writeFileSync(d.host.jobsFile, broken);
    const banner = await shows(d.page.getByTestId('config-error-banner'), 'the config-error banner');
    const error = banner.getByTestId('config-error');
    expect(await error.count()).toBe(1);
    const line = broken.split('\n').indexOf('    timeout: soon') + 1;
    const text = await error.textContent();
    expect(text).toContain(`${d.host.jobsFile}:${line}`);
    expect(text).toContain('job import-orders');
    expect(text).toContain('field timeout');
    // A page banner: its title lines up with the page's, on the alert colour.
    const bannerTitle = (await banner.getByRole('heading', { level: 2 }).boundingBox())!;
    const pageTitle = (await d.page.locator('#jobs-title').boundingBox())!;
    expect(bannerTitle.x).toBe(pageTitle.x);
    expect(await banner.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    // The last good definitions keep running meanwhile.
    expect(await d.page.getByTestId('job-card').count()).toBe(Object.keys(SCHEDULES_IN_WORDS).length);

    fs.writeFileSync(d.host.jobsFile, good);
    await vanishes(d.page.getByTestId('config-error-banner'), 'the config-error banner');
  });

  it('the page reaches the engine over its own bridge only (IPC: no request to the Local API; HTTP: no IPC call)', async () => {
    const { page, connection } = d;
    const requests: string[] = [];
    const onRequest = (request: Request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/')) requests.push(pathname);
    };
    const invokedBefore = connection.invoked.length;
    page.on('request', onRequest);
    try {
      // The first data, a job's page, and events: the job disabled and enabled behind the page's back (the test's own client).
      await page.reload();
      await shows(page.locator('main[data-live=true]'), 'the dashboard with live data');
      await d.go('/jobs/stock-sync', '[data-testid=job-title]');
      await toGrid();
      await toggledBehindThePage('nightly-backup');
    } finally {
      page.off('request', onRequest);
    }
    const invoked = connection.invoked.slice(invokedBefore);
    if (mode === 'ipc') {
      expect(requests, 'requests to the Local API').toEqual([]);
      expect(invoked).toEqual(expect.arrayContaining(['jobs:list', 'health:get', 'runs:list', 'audit:list']));
    } else {
      expect(invoked, 'IPC calls').toEqual([]);
      expect(requests).toEqual(
        expect.arrayContaining(['/api/events', '/api/jobs', '/api/health', '/api/runs', '/api/audit']),
      );
    }
  });

  // The restart drops the page's event stream; the window's IPC is main's own process, with no stream to drop.
  if (mode === 'http') {
    it('11. the host stops and restarts: the page says it is reconnecting, then shows current data', async () => {
      const { page, host } = d;
      await toGrid();
      d.browser.expectConnectionRefused(true);
      await host.stop();
      await shows(page.getByTestId('connection-lost'), 'the reconnecting line');
      await shows(page.locator('main[data-live=false]'), 'the data marked stale');
      await shows(page.getByTestId('health-stale'), '"last known" beside the health');

      // Changed while the page cannot hear about it: only a reload after the restart shows it.
      fs.writeFileSync(
        host.jobsFile,
        fs.readFileSync(host.jobsFile, 'utf8').replace('name: Stock sync\n', 'name: Stock sync (v2)\n'),
      );
      await host.restart();
      await vanishes(page.getByTestId('connection-lost'), 'the reconnecting line', 30_000);
      await shows(page.locator('main[data-live=true]'), 'live data again');
      await shows(
        card(page, 'stock-sync').getByTestId('job-name').getByText('Stock sync (v2)'),
        'the name changed while the host was down',
      );
      expect(await page.getByTestId('health-stale').count()).toBe(0);
    });
  }

  // Not a desktop scenario (main's engine lives as long as the window): the fixture's handlers follow the host.
  if (mode === 'ipc') {
    it("after a host restart, the page's calls and events reach the new engine", async () => {
      const { page, host } = d;
      await host.stop();
      await host.restart();
      await page.reload();
      await shows(page.locator('main[data-live=true]'), 'live data from the new engine');
      await toGrid();
      await toggledBehindThePage('stock-sync');
    });
  }
});
