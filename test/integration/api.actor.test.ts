import { describe, expect, it } from 'vitest';
import type { OperationResults } from '../../contract/api.js';
import { makeTestApi } from '../helpers/api.js';

describe('audit actor over HTTP', () => {
  it('records the CLI and the dashboard as themselves, anything else as api', async () => {
    const t = await makeTestApi({ jobs: 'jobs:\n  - { id: quiet, command: [sh, -c, "true"] }\n' });
    for (const claimed of ['cli', 'ui', 'engine', 'tray', undefined]) {
      const headers: Record<string, string> = claimed ? { 'X-Jobtray-Actor': claimed } : {};
      const res = await t.api('POST', '/api/jobs/quiet/disable', { headers });
      expect(res.status).toBe(200);
    }
    const audit = await t.api<OperationResults['audit:list']>('GET', '/api/audit?job=quiet');
    expect(audit.body.entries.map((e) => e.actor).reverse()).toEqual(['cli', 'ui', 'api', 'api', 'api']);
    await t.close();
  });
});
