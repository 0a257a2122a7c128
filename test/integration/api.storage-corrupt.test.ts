import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../contract/api.js';
import type { LogPage, RunRecord } from '../../contract/model.js';
import { makeTestApi } from '../helpers/api.js';
import { damageLeafPage } from '../helpers/damage.js';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: chatty
    command: [sh, -c, 'i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty job, long enough to fill pages"; i=$((i+1)); done']
  - id: quiet
    command: [sh, -c, 'echo one; echo two']
`;

describe('Local API on a damaged database', () => {
  it('GET /api/runs/:id/logs of a run whose log page is damaged answers 500 storage_corrupt naming the file; other runs stay readable', async () => {
    const first = await makeTestEngine({ jobs: JOBS });
    const chatty = await waitForRun(first.engine, first.engine.trigger('chatty', { actor: 'api' }).id);
    const quiet = await waitForRun(first.engine, first.engine.trigger('quiet', { actor: 'api' }).id);
    expect([chatty.state, quiet.state]).toEqual(['succeeded', 'succeeded']);
    await first.engine.close();
    const file = path.join(first.dataDir, 'jobtray.db');
    damageLeafPage(file, 'run_logs', 0.5);

    const t = await makeTestApi({ jobs: JOBS, dataDir: first.dataDir });
    const broken = await t.api<ApiErrorBody>('GET', `/api/runs/${chatty.id}/logs?limit=5000`);
    expect(broken.status).toBe(500);
    expect(broken.body.error.code).toBe('storage_corrupt');
    expect(broken.body.error.message).toContain(
      `the log of run ${chatty.id} cannot be read: the database ${file} is damaged`,
    );
    expect(broken.body.error.message).toContain('--move-damaged-db');

    const readable = await t.api<LogPage>('GET', `/api/runs/${quiet.id}/logs`);
    expect(readable.status).toBe(200);
    expect(readable.body.lines.map((line) => line.message)).toEqual(['one', 'two']);
    const run = await t.api<RunRecord>('GET', `/api/runs/${chatty.id}`);
    expect(run.body).toMatchObject({ id: chatty.id, state: 'succeeded', log_count: 3_000 });
    await t.close();
  });
});
