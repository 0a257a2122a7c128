import { describe, expect, it } from 'vitest';
import type { OperationResults } from '../../contract/api.js';
import { spawnCli, startTestHost } from '../helpers/cli.js';
import { waitForRun } from '../helpers/engine.js';

// `import` waits before its first progress line so a waiting CLI is surely connected to the event stream.
const JOBS = `
jobs:
  - id: import
    command: [sh, -c, 'sleep 0.5; echo "::progress 25 Loading"; sleep 0.2; echo "::progress 75 Importing orders"; sleep 0.2; echo "days={{days}}"']
    params:
      days: { type: integer, default: 7, min: 1, max: 90 }
  - id: broken
    command: [sh, -c, 'echo boom >&2; exit 3']
  - id: hangs
    command: [sleep, '30']
    timeout: 1s
  - id: flaky
    command: [sh, -c, 'if [ -f flaky.marker ]; then echo recovered; else touch flaky.marker; exit 1; fi']
    retries: { max: 2, delay: 300ms, jitter: false }
  - id: sleeper
    command: [sleep, '30']
`;

describe('jobtray run', () => {
  it('without --wait prints the run id; --json is the API result', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'broken']);
    expect(out.code).toBe(0);
    const id = Number(
      /^Run (\d+) of broken is (queued|running)\. Follow it with: jobtray logs \1 --follow\n$/.exec(out.stdout)?.[1],
    );
    await waitForRun(t.host.engine, id);
    const asJson = JSON.parse((await t.cli(['run', 'broken', '--json'])).stdout) as OperationResults['jobs:trigger'];
    expect(asJson.run).toMatchObject({ id: asJson.run_id, job_id: 'broken', trigger: 'manual' });
    await waitForRun(t.host.engine, asJson.run_id);
    await t.close();
  });

  it('--wait shows one line per progress change off a terminal and exits 0 when the run succeeds', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'import', '--param', 'days=3', '--wait']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^Run (\d+) of import is (queued|running); waiting for it to end \(Ctrl\+C stops waiting, not the run\)\.$/,
    );
    expect(lines).toContain('25% Loading');
    expect(lines).toContain('75% Importing orders');
    expect(lines.at(-1)).toMatch(/^Run \d+ \(import, attempt 1\/1\) succeeded in \d/);
    expect(out.stdout).not.toContain('\r');
    const runId = Number(/^Run (\d+)/.exec(out.stdout)![1]);
    // The param went as the string "3" and the engine coerced it for the integer param.
    expect(t.host.engine.getRun(runId).params).toEqual({ days: 3 });
    expect(t.host.engine.getRunLogs(runId).lines.map((l) => l.message)).toContain('days=3');
    await t.close();
  });

  it('--wait on a terminal redraws a progress bar in place with \\r', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'import', '--wait'], { tty: true });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('\r[#####...............]  25% Loading\x1b[K');
    expect(out.stdout).toContain('\r[###############.....]  75% Importing orders\x1b[K');
    // The bar is erased before the final line.
    const last = out.stdout.split('\r').at(-1)!;
    expect(last.startsWith('\x1b[K')).toBe(true);
    expect(last.slice(3)).toMatch(/^Run \d+ \(import, attempt 1\/1\) succeeded in /);
    await t.close();
  });

  it('--wait exits 1 with the error when the run fails or times out', async () => {
    const t = await startTestHost(JOBS);
    const failed = await t.cli(['run', 'broken', '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/Run \d+ \(broken, attempt 1\/1\) failed after [^:\n]+: exited with code 3\n$/);
    const timedOut = await t.cli(['run', 'hangs', '--wait']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toMatch(/Run \d+ \(hangs, attempt 1\/1\) timed out after \S+.*: .*1s/);
    await t.close();
  });

  it('--wait follows the retry chain of a failed attempt and exits 0 when a retry succeeds', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'flaky', '--wait', '--json']);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as OperationResults['jobs:trigger'];
    expect(result.run).toMatchObject({ state: 'succeeded', attempt: 2, root_run_id: result.run_id, trigger: 'retry' });

    const text = await t.cli(['run', 'broken', '--wait']);
    expect(text.stdout).not.toContain('retry scheduled');
    await t.close();
  });

  it('--wait says when a retry is scheduled, and for which attempt and time', async () => {
    const t = await startTestHost(JOBS);
    const out = await t.cli(['run', 'flaky', '--wait']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /Run (\d+) \(flaky, attempt 1\/3\) failed after [^:\n]+: exited with code 1 — retry scheduled \(attempt 2\/3 at \d\d:\d\d:\d\d\)\n/,
    );
    expect(out.stdout).toMatch(/Run \d+ \(flaky, attempt 2\/3\) succeeded in /);
    await t.close();
  });

  it('--wait exits 1 with the reason when the run is skipped', async () => {
    const t = await startTestHost(JOBS);
    const first = t.host.engine.trigger('sleeper', { actor: 'api' });
    await waitForRun(t.host.engine, first.id, ['running']);
    const out = await t.cli(['run', 'sleeper', '--wait']);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/Run \d+ \(sleeper, attempt 1\/1\) was skipped: .+/);
    t.host.engine.cancel(first.id, 'api');
    await waitForRun(t.host.engine, first.id);
    await t.close();
  });

  it('as a real process: exit code 0 for success, 1 for failure', async () => {
    const t = await startTestHost(JOBS);
    const ok = spawnCli(['run', 'import', '-p', 'days=5', '--wait', '--data-dir', t.dataDir]);
    expect(await ok.exited).toEqual({ code: 0, signal: null });
    expect(ok.stdout()).toMatch(/75% Importing orders\nRun \d+ \(import, attempt 1\/1\) succeeded/);
    const bad = spawnCli(['run', 'broken', '--wait', '--data-dir', t.dataDir]);
    expect(await bad.exited).toEqual({ code: 1, signal: null });
    expect(bad.stdout()).toContain('exited with code 3');
    await t.close();
  });

  it('Ctrl+C stops waiting and says so; the run keeps going', async () => {
    const t = await startTestHost(JOBS);
    const cli = spawnCli(['run', 'sleeper', '--wait', '--data-dir', t.dataDir]);
    const [, id] = await cli.waitForStdout(/^Run (\d+) of sleeper is \w+; waiting/m);
    const runId = Number(id);
    await waitForRun(t.host.engine, runId, ['running']);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 130, signal: null });
    expect(cli.stderr()).toBe(
      `Stopped waiting. Run ${runId} keeps going in Jobtray: follow it with "jobtray logs ${runId} --follow", stop it with "jobtray cancel ${runId}".\n`,
    );
    expect(t.host.engine.getRun(runId).state).toBe('running');
    t.host.engine.cancel(runId, 'api');
    await waitForRun(t.host.engine, runId);
    await t.close();
  });
});
