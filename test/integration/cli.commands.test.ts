import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OperationResults } from '../../contract/api.js';
import type { RunRecord } from '../../contract/model.js';
import { startTestHost } from '../helpers/cli.js';
import { waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: hourly
    command: [sh, -c, 'echo hi']
    schedule: { every: 1h }
  - id: echo-lines
    command: [sh, -c, 'echo first; echo second >&2; echo third']
  - id: slow-lines
    command: [sh, -c, 'echo one; sleep 0.3; echo two; sleep 0.3; echo three']
  - id: sleeper
    command: [sleep, '30']
  - id: broken
    command: [sh, -c, 'echo boom >&2; exit 4']
  - id: exporter
    command: [sh, -c, 'printf "a,b\\n1,2\\n" > out.csv; echo "::artifact export.csv out.csv"; echo "::artifact copy.txt out.csv"']
`;
const INVALID_ENTRY = `
  - id: misconfigured
    command: [sh, -c, 'true']
    schedule: { every: soon }
`;

const json = <T>(text: string) => JSON.parse(text) as T;

describe('jobtray CLI commands against a running host', () => {
  it('jobs: a table of id, health, enabled, schedule, next fire and last run; --json is the API result', async () => {
    const t = await startTestHost(JOBS);
    const done = await waitForRun(t.host.engine, t.host.engine.trigger('broken', { actor: 'api' }).id);
    const out = await t.cli(['jobs']);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+HEALTH\s+ENABLED\s+SCHEDULE\s+NEXT\s+LAST RUN$/);
    expect(lines.find((l) => l.startsWith('hourly'))).toMatch(/^hourly\s+ok\s+yes\s+every 1h\s+\d\d:\d\d(:\d\d)?/);
    expect(lines.find((l) => l.startsWith('broken'))).toMatch(
      new RegExp(`^broken\\s+failing\\s+yes\\s+manual\\s+-\\s+failed \\(#${done.id}, `),
    );

    const asJson = await t.cli(['jobs', '--json']);
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toEqual(await t.api('/api/jobs'));
    await t.close();
  });

  it('status: health, paused, counts, config errors and running runs; --json holds the API results', async () => {
    const t = await startTestHost(JOBS + INVALID_ENTRY);
    const run = t.host.engine.trigger('sleeper', { actor: 'api' });
    await waitForRun(t.host.engine, run.id, ['running']);
    const out = await t.cli(['status']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Health: invalid');
    expect(out.stdout).toMatch(/Jobs: .*1 running.*1 invalid/);
    expect(out.stdout).toMatch(
      /jobs\.yaml has 1 error\(s\); the last good jobs keep running:\n {2}.*misconfigured.*soon/,
    );
    expect(out.stdout).toMatch(new RegExp(`Running:\\n  #${run.id} sleeper running`));

    const asJson = json<{ health: unknown; config: unknown; running: RunRecord[] }>(
      (await t.cli(['status', '--json'])).stdout,
    );
    expect(asJson.health).toEqual(await t.api('/api/health'));
    expect(asJson.config).toEqual(await t.api('/api/config'));
    expect(asJson.running.map((r) => r.id)).toEqual([run.id]);
    t.host.engine.cancel(run.id, 'api');
    await waitForRun(t.host.engine, run.id);
    await t.close();
  });

  it('runs: filters by job, state and limit; --json is the API page', async () => {
    const t = await startTestHost(JOBS);
    const engine = t.host.engine;
    const ok = await waitForRun(engine, engine.trigger('echo-lines', { actor: 'api' }).id);
    const failed = await waitForRun(engine, engine.trigger('broken', { actor: 'api' }).id);
    const all = await t.cli(['runs']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ID\s+JOB\s+TRIGGER\s+STATE\s+ATTEMPT\s+STARTED\s+DURATION\s+DETAIL\n/);
    expect(all.stdout).toMatch(
      new RegExp(`\\n${failed.id}\\s+broken\\s+manual\\s+failed\\s+1/1\\s+\\S+\\s+\\S+.*exited with code 4`),
    );
    expect(all.stdout).toMatch(new RegExp(`\\n${ok.id}\\s+echo-lines\\s+manual\\s+succeeded`));

    const onlyFailed = await t.cli(['runs', '--state', 'failed', '--json']);
    expect(json<OperationResults['runs:list']>(onlyFailed.stdout)).toEqual(
      await t.api('/api/runs?state=failed&limit=20'),
    );
    expect(json<OperationResults['runs:list']>(onlyFailed.stdout).runs.map((r) => r.id)).toEqual([failed.id]);
    const byJob = json<OperationResults['runs:list']>((await t.cli(['runs', '--job', 'echo-lines', '--json'])).stdout);
    expect(byJob.runs.map((r) => r.id)).toEqual([ok.id]);
    const limited = json<OperationResults['runs:list']>((await t.cli(['runs', '--limit', '1', '--json'])).stdout);
    expect(limited.runs.map((r) => r.id)).toEqual([failed.id]);
    expect((await t.cli(['runs', '--job', 'broken', '--state', 'succeeded'])).stdout).toBe('No runs match.\n');
    expect((await t.cli(['runs', '--limit', 'lots'])).code).toBe(2);
    await t.close();
  });

  it('logs: prints HH:MM:SS stream level message lines, plain off a terminal; --json lists them', async () => {
    const t = await startTestHost(JOBS);
    const run = await waitForRun(t.host.engine, t.host.engine.trigger('echo-lines', { actor: 'api' }).id);
    const out = await t.cli(['logs', String(run.id)]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^\d\d:\d\d:\d\d stdout {3}info {2}first\n/m);
    expect(out.stdout).toMatch(/^\d\d:\d\d:\d\d stderr {3}\w+ +second$/m);
    expect(out.stdout).toContain('third');
    expect(out.stdout).not.toContain('\x1b[');

    const tty = await t.cli(['logs', String(run.id)], { tty: true });
    const secondLine = tty.stdout.split('\n').find((l) => l.includes('second'))!;
    expect(secondLine.startsWith('\x1b[33m') && secondLine.endsWith('\x1b[0m')).toBe(true);
    expect(tty.stdout.split('\n').find((l) => l.includes('first'))).toMatch(/^\d\d:\d\d:\d\d stdout/);

    const asJson = json<OperationResults['runs:logs']>((await t.cli(['logs', String(run.id), '--json'])).stdout);
    expect(asJson.lines).toEqual(((await t.api(`/api/runs/${run.id}/logs`)) as OperationResults['runs:logs']).lines);
    await t.close();
  });

  it('logs --follow prints every line once, in order, until the run ends', async () => {
    const t = await startTestHost(JOBS);
    const run = t.host.engine.trigger('slow-lines', { actor: 'api' });
    const out = await t.cli(['logs', String(run.id), '--follow']);
    expect(out.code).toBe(0);
    expect(t.host.engine.getRun(run.id).state).toBe('succeeded');
    const messages = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(3).join(' '));
    expect(messages.filter((m) => ['one', 'two', 'three'].includes(m))).toEqual(['one', 'two', 'three']);
    await t.close();
  });

  it('cancel stops a running run; retry starts the next attempt of a failed one', async () => {
    const t = await startTestHost(JOBS);
    const engine = t.host.engine;
    const sleeping = engine.trigger('sleeper', { actor: 'api' });
    await waitForRun(engine, sleeping.id, ['running']);
    const cancel = await t.cli(['cancel', String(sleeping.id)]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Run ${sleeping.id} (sleeper) is being cancelled`);
    expect((await waitForRun(engine, sleeping.id)).state).toBe('cancelled');
    const again = await t.cli(['cancel', String(sleeping.id)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already ended/);

    const failed = await waitForRun(engine, engine.trigger('broken', { actor: 'api' }).id);
    const retry = await t.cli(['retry', String(failed.id), '--json']);
    expect(retry.code).toBe(0);
    const retried = json<RunRecord>(retry.stdout);
    expect(retried).toMatchObject({ job_id: 'broken', trigger: 'retry', attempt: 2, parent_run_id: failed.id });
    expect((await waitForRun(engine, retried.id)).state).toBe('failed');
    const text = await t.cli(['retry', String(retried.id)]);
    expect(text.stdout).toMatch(new RegExp(`^Run \\d+ \\(broken\\) retries run ${retried.id}: attempt 3/3`));
    await waitForRun(engine, retried.id + 1);
    await t.close();
  });

  it('enable and disable set a runtime override; --json is the job view', async () => {
    const t = await startTestHost(JOBS);
    const off = await t.cli(['disable', 'hourly']);
    expect(off.code).toBe(0);
    expect(off.stdout).toBe('hourly is disabled (a runtime override: the jobs file says enabled). Next run: -.\n');
    expect(t.host.engine.getJob('hourly').enabled).toBe(false);
    const on = await t.cli(['enable', 'hourly', '--json']);
    expect(json(on.stdout)).toEqual(await t.api('/api/jobs/hourly'));
    expect(json<OperationResults['jobs:enable']>(on.stdout)).toMatchObject({
      enabled: true,
      overrides: { enabled: null },
    });
    await t.close();
  });

  it('schedule: --cron with --timezone, --every, --at, --reset, and usage errors', async () => {
    const t = await startTestHost(JOBS);
    const cron = await t.cli(['schedule', 'echo-lines', '--cron', '*/5 9-17 * * 1-5', '--timezone', 'Europe/Berlin']);
    expect(cron.code).toBe(0);
    expect(cron.stdout).toMatch(
      /^echo-lines: cron \*\/5 9-17 \* \* 1-5 \(Europe\/Berlin\) \(a runtime override: the jobs file says manual\)\. Next run: /,
    );

    const every = await t.cli(['schedule', 'echo-lines', '--every', '15m', '--json']);
    expect(json<OperationResults['jobs:set-schedule']>(every.stdout).overrides.schedule).toMatchObject({
      kind: 'every',
      every: '15m',
    });
    expect(json(every.stdout)).toEqual(await t.api('/api/jobs/echo-lines'));

    const at = await t.cli(['schedule', 'echo-lines', '--at', '2099-06-01T08:00:00Z']);
    expect(at.stdout).toContain('echo-lines: once at 2099-06-01T08:00:00.000Z');

    const reset = await t.cli(['schedule', 'echo-lines', '--reset']);
    expect(reset.stdout).toBe('echo-lines: manual (as in the jobs file). Next run: -.\n');
    expect(t.host.engine.getJob('echo-lines').overrides.schedule).toBeNull();

    for (const args of [[], ['--every', '1m', '--reset'], ['--every', '1m', '--timezone', 'UTC']]) {
      const bad = await t.cli(['schedule', 'echo-lines', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^error: (give exactly one of --cron|--timezone only goes with --cron)/);
    }
    const invalid = await t.cli(['schedule', 'echo-lines', '--cron', 'every day']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: .*every day/);
    await t.close();
  });

  it("artifacts lists a run's files and --save downloads them into a new directory", async () => {
    const t = await startTestHost(JOBS);
    const run = await waitForRun(t.host.engine, t.host.engine.trigger('exporter', { actor: 'api' }).id);
    expect(run.state).toBe('succeeded');
    const list = await t.cli(['artifacts', String(run.id)]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^NAME\s+SIZE\s+TYPE\s+SHA256\ncopy\.txt\s+8\s+text\/plain\S*\s+[0-9a-f]{12}\nexport\.csv\s+8\s+\S+\s+[0-9a-f]{12}\n$/,
    );
    expect(json((await t.cli(['artifacts', String(run.id), '--json'])).stdout)).toEqual(
      await t.api(`/api/runs/${run.id}/artifacts`),
    );

    const dir = path.join(t.dataDir, 'saved', 'nested');
    const save = await t.cli(['artifacts', String(run.id), '--save', dir]);
    expect(save.code).toBe(0);
    expect(save.stdout).toContain(`Saved export.csv (8 bytes) to ${path.join(dir, 'export.csv')}`);
    expect(fs.readFileSync(path.join(dir, 'export.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['copy.txt', 'export.csv']);
    await t.close();
  });

  it('pause and resume the engine; --json is the API result', async () => {
    const t = await startTestHost(JOBS);
    const pause = await t.cli(['pause']);
    expect(pause.stdout).toContain('Jobtray is paused');
    expect(t.host.engine.isPaused()).toBe(true);
    expect((await t.cli(['status'])).stdout).toContain('(paused: no new runs start until "jobtray resume")');
    const resume = await t.cli(['resume', '--json']);
    expect(json(resume.stdout)).toEqual({ paused: false });
    expect(t.host.engine.isPaused()).toBe(false);
    await t.close();
  });

  it('reload applies an edited jobs file, and reports the errors of a broken one with exit code 1', async () => {
    const t = await startTestHost(JOBS);
    const jobsFile = path.join(t.dataDir, 'jobs.yaml');
    fs.writeFileSync(jobsFile, `${JOBS}  - id: added-later\n    command: [sh, -c, 'true']\n`);
    const ok = await t.cli(['reload']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`Reloaded ${jobsFile}: no errors.\n`);
    expect((await t.cli(['jobs'])).stdout).toMatch(/^added-later\s+ok/m);

    fs.writeFileSync(jobsFile, JOBS + INVALID_ENTRY);
    const broken = await t.cli(['reload']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/1 error\(s\); the last good jobs keep running:\n {2}.*misconfigured.*soon/);
    const asJson = await t.cli(['reload', '--json']);
    expect(json<OperationResults['config:reload']>(asJson.stdout).errors).toHaveLength(1);
    await t.close();
  });
});
