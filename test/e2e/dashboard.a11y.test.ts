import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/model.js';
import { BRIDGE_MODES, dashboardSuite, shows, until } from './dashboard-fixture.js';

/**
 * axe-core on the grid, a job page and a run page, in the light and the dark
 * scheme: no serious or critical violation. The pages are checked with real
 * content (finished runs with history, a log and an artifact).
 */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One line per failing node: rule, impact, where, why. */
function describeViolations(violations: Result[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? v.help}`,
    ),
  );
}

describe.each(BRIDGE_MODES)('dashboard accessibility (%s bridge)', (mode) => {
  let runId = 0;
  const d = dashboardSuite(mode, async (dash) => {
    for (const job of ['always-fails', 'stock-report'])
      await dash.host.api(`/api/jobs/${job}/runs`, { method: 'POST', body: {} });
    const finished = (runs: RunRecord[]) =>
      runs.length === 2 && runs.every((r) => r.state === 'succeeded' || r.state === 'failed');
    const runs = await until(
      'both runs to finish',
      async () => (await dash.host.api<{ runs: RunRecord[] }>('/api/runs')).runs,
      finished,
    );
    runId = runs.find((r) => r.job_id === 'stock-report')!.id;
    await dash.open();
  });

  const PAGES = [
    {
      name: 'grid',
      route: '/',
      ready: '[data-testid=job-card][data-job-id=stock-report] [data-testid=sparkline][data-points="1"]',
    },
    { name: 'job detail', route: '/jobs/stock-report', ready: '[data-testid=history-row]' },
    { name: 'run detail', route: '', ready: '[data-testid=log-row]' },
  ];

  for (const scheme of ['light', 'dark'] as const) {
    for (const { name, route, ready } of PAGES) {
      it(`${name}, ${scheme}: no serious or critical axe violation`, async () => {
        await d.page.emulateMedia({ colorScheme: scheme });
        expect(await d.page.evaluate(() => window.matchMedia('(prefers-color-scheme: dark)').matches)).toBe(
          scheme === 'dark',
        );
        await d.go(route || `/runs/${runId}`, ready);
        if (name === 'run detail')
          await shows(d.page.locator('[data-testid=artifact][data-name="stock.csv"]'), 'the artifact');
        if (name === 'job detail')
          await shows(d.page.locator('[data-testid=duration-chart] canvas'), 'the duration chart');
        await d.page.evaluate(AXE_SOURCE);
        const results = await d.page.evaluate(() =>
          (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe.run(document),
        );
        const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(describeViolations(serious)).toEqual([]);
        expect(results.passes.length, 'axe ran its rules').toBeGreaterThan(10);
      });
    }
  }
});
