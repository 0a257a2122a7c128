import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackupInfo } from '../../contract/model.js';
import { startTestHost } from '../helpers/cli.js';
import { makeDataDir, makeTestEngine, waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: hello
    command: [sh, -c, 'echo "hello from the past"']
  - id: broken
    command: [sh, -c, 'echo oops >&2; exit 3']
`;

describe('jobtray backup', () => {
  it("takes an online backup that, restored as a data dir's database, has every run and its logs", async () => {
    const t = await startTestHost(JOBS);
    const ok = await waitForRun(t.host.engine, t.host.engine.trigger('hello', { actor: 'cli' }).id);
    const failed = await waitForRun(t.host.engine, t.host.engine.trigger('broken', { actor: 'cli' }).id);
    expect([ok.state, failed.state]).toEqual(['succeeded', 'failed']);

    // Into the data dir's backups/ (the daily backup of the host start is already there).
    const rotated = await t.cli(['backup', '--json']);
    expect(rotated.code).toBe(0);
    const info = JSON.parse(rotated.stdout) as BackupInfo;
    expect(path.dirname(info.file)).toBe(path.join(t.dataDir, 'backups'));
    expect(path.basename(info.file)).toMatch(/^jobtray-\d{8}-\d{6}(-\d+)?\.db$/);
    expect(fs.readdirSync(path.join(t.dataDir, 'backups')).filter((name) => name.endsWith('.db'))).toHaveLength(2);

    // To a file of the user's choosing; an existing one is never overwritten.
    const to = path.join(makeDataDir(), 'nightly.db');
    const chosen = await t.cli(['backup', '--to', to]);
    expect(chosen).toMatchObject({ code: 0, stderr: '' });
    expect(chosen.stdout).toMatch(new RegExp(`^Backed up the database to ${to} \\(\\d+ bytes\\)\\.\\n$`));
    const again = await t.cli(['backup', '--to', to]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: cannot back up the database to ${to}: the file exists; choose another name or remove it\n`,
    );
    await t.close();

    // Restore: the backup becomes another data dir's jobtray.db.
    const restoredDir = makeDataDir();
    fs.copyFileSync(to, path.join(restoredDir, 'jobtray.db'));
    const { engine } = await makeTestEngine({ jobs: JOBS, dataDir: restoredDir });
    expect(engine.listRuns().runs.map((run) => [run.id, run.job_id, run.state, run.exit_code])).toEqual([
      [failed.id, 'broken', 'failed', 3],
      [ok.id, 'hello', 'succeeded', 0],
    ]);
    expect(engine.getRunLogs(ok.id).lines.map((line) => line.message)).toEqual(['hello from the past']);
    expect(
      engine
        .getRunLogs(failed.id)
        .lines.filter((line) => line.stream === 'stderr')
        .map((line) => line.message),
    ).toEqual(['oops']);
    await engine.close();
  });
});
