import path from 'node:path';
import { Command } from 'commander';
import type { ScheduleInput } from '../../contract/api.js';
import type { JobHealth, JobView, RunRecord } from '../../contract/model.js';
import { JOB_HEALTH, isTerminal } from '../../contract/model.js';
import { describeSchedule } from '../../contract/schedule.js';
import { artifactsCommand } from './artifacts.js';
import { makeCtx, parseRunId, parseWhole, type CommonOptions, type Ctx } from './context.js';
import { collect, parseParamArgs } from './arguments.js';
import { EXIT, UsageError } from './errors.js';
import { logPages, printRunLogs, waitForRunChain } from './follow.js';
import { describeOutcome, durationText, progressText, shortTime } from '../../contract/format.js';
import { table, type CliIo } from './format.js';
import { ProgressView } from './progress.js';
import { addServiceCommands } from './service.js';
import { hostOptionsFrom, withServeOptions, type ServeArgs } from '../host/serve-options.js';

/**
 * Stops a wait on Ctrl+C without stopping the run. Only installed while
 * waiting, so Ctrl+C anywhere else ends the CLI as usual.
 */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function stoppedWaiting(ctx: Ctx, run: number): number {
  ctx.io.stderr.write(
    `Stopped waiting. Run ${run} keeps going in Jobtray: follow it with "jobtray logs ${run} --follow", stop it with "jobtray cancel ${run}".\n`,
  );
  return EXIT.interrupted;
}

function outcomeCode(run: RunRecord): number {
  return run.state === 'succeeded' ? EXIT.ok : EXIT.failed;
}

// ───────────────────────────── jobs and status ─────────────────────────────

function describeJobSchedule(job: JobView): string {
  const schedule = describeSchedule(job.definition?.schedule ?? job.file_schedule);
  return job.overrides.schedule ? `${schedule} (override)` : schedule;
}

function lastRunText(run: RunRecord | null): string {
  return run ? `${run.state} (#${run.id}, ${shortTime(run.finished_at ?? run.started_at ?? run.created_at)})` : '-';
}

async function jobsCommand(ctx: Ctx): Promise<number> {
  const result = await ctx.client.call('jobs:list', {});
  ctx.emitJson(result);
  if (result.jobs.length === 0) ctx.say('No jobs. Add some to the jobs file, then: jobtray reload');
  else {
    const rows = result.jobs.map((job) => [
      job.id,
      job.health,
      job.enabled
        ? job.overrides.enabled === null
          ? 'yes'
          : 'yes (override)'
        : job.overrides.enabled === null
          ? 'no'
          : 'no (override)',
      describeJobSchedule(job),
      shortTime(job.next_fire_at),
      lastRunText(job.last_run),
    ]);
    ctx.say(table(['ID', 'HEALTH', 'ENABLED', 'SCHEDULE', 'NEXT', 'LAST RUN'], rows).trimEnd());
  }
  return EXIT.ok;
}

async function statusCommand(ctx: Ctx): Promise<number> {
  // One after another: a failure then leaves no request of this command still in flight.
  const health = await ctx.client.call('health:get', {});
  const config = await ctx.client.call('config:get', {});
  const running = await ctx.client.call('runs:list', { state: 'running', limit: 500 });
  ctx.emitJson({ health, config, running: running.runs });
  const counts = (JOB_HEALTH as readonly JobHealth[])
    .filter((h) => health.counts[h] > 0)
    .map((h) => `${health.counts[h]} ${h}`);
  ctx.say(`Health: ${health.overall}${health.paused ? ' (paused: no new runs start until "jobtray resume")' : ''}`);
  ctx.say(`Jobs: ${counts.length > 0 ? counts.join(', ') : 'none'}`);
  if (config.errors.length === 0) ctx.say(`Jobs file: ${config.file} (no errors)`);
  else {
    ctx.say(`Jobs file: ${config.file} has ${config.errors.length} error(s); the last good jobs keep running:`);
    for (const error of config.errors) ctx.say(`  ${error.message}`);
  }
  if (running.runs.length === 0) ctx.say('Running: none');
  else {
    ctx.say('Running:');
    for (const run of running.runs)
      ctx.say(`  #${run.id} ${run.job_id} ${progressText(run)} (since ${shortTime(run.started_at)})`);
  }
  return EXIT.ok;
}

// ───────────────────────────── runs ─────────────────────────────

async function runCommand(ctx: Ctx, job: string, options: { param: string[]; wait?: boolean }): Promise<number> {
  const params = parseParamArgs(options.param);
  const triggered = await ctx.client.call('jobs:trigger', {
    id: job,
    ...(Object.keys(params).length > 0 ? { params } : {}),
  });
  const { run_id: runId, run } = triggered;
  if (!options.wait) {
    ctx.emitJson(triggered);
    if (run.state === 'skipped') {
      ctx.say(describeOutcome(run));
      return EXIT.failed;
    }
    ctx.say(`Run ${runId} of ${job} is ${run.state}. Follow it with: jobtray logs ${runId} --follow`);
    return EXIT.ok;
  }
  const view = ctx.json ? null : new ProgressView(ctx.io.stdout);
  // The Ctrl+C handler is in place before the line that tells the user about it.
  const final = await untilInterrupted((signal) => {
    ctx.say(`Run ${runId} of ${job} is ${run.state}; waiting for it to end (Ctrl+C stops waiting, not the run).`);
    return waitForRunChain(ctx.client, runId, view, signal);
  });
  if (!final) return stoppedWaiting(ctx, runId);
  ctx.emitJson({ run_id: runId, run: final });
  ctx.say(describeOutcome(final));
  return outcomeCode(final);
}

async function runsCommand(ctx: Ctx, options: { job?: string; state?: string; limit?: string }): Promise<number> {
  const page = await ctx.client.call('runs:list', {
    ...(options.job ? { job: options.job } : {}),
    ...(options.state ? { state: options.state as RunRecord['state'] } : {}),
    limit: options.limit === undefined ? 20 : parseWhole('--limit', options.limit, 1, 500),
  });
  ctx.emitJson(page);
  if (page.runs.length === 0) {
    ctx.say('No runs match.');
    return EXIT.ok;
  }
  const rows = page.runs.map((run) => [
    String(run.id),
    run.job_id,
    run.trigger,
    run.state,
    `${run.attempt}/${run.max_attempts}`,
    shortTime(run.started_at),
    durationText(run.duration_ms),
    run.error ?? run.reason ?? (isTerminal(run.state) ? '' : progressText(run)),
  ]);
  ctx.say(table(['ID', 'JOB', 'TRIGGER', 'STATE', 'ATTEMPT', 'STARTED', 'DURATION', 'DETAIL'], rows).trimEnd());
  return EXIT.ok;
}

async function logsCommand(ctx: Ctx, rawRun: string, options: { follow?: boolean }): Promise<number> {
  const runId = parseRunId(rawRun);
  if (ctx.json) {
    // Machine output is the API's log page(s) joined: every line of the run so far.
    const lines = [];
    for await (const page of logPages(ctx.client, runId, 0)) lines.push(...page);
    ctx.emitJson({ lines, next_after: null });
    return EXIT.ok;
  }
  if (options.follow !== true) {
    await printRunLogs(ctx.client, runId, ctx.io.stdout, { follow: false });
    return EXIT.ok;
  }
  let interrupted = false;
  await untilInterrupted(async (signal) => {
    await printRunLogs(ctx.client, runId, ctx.io.stdout, { follow: true, signal });
    interrupted = signal.aborted;
  });
  return interrupted ? stoppedWaiting(ctx, runId) : EXIT.ok;
}

async function cancelCommand(ctx: Ctx, rawRun: string): Promise<number> {
  const run = await ctx.client.call('runs:cancel', { id: parseRunId(rawRun) });
  ctx.emitJson(run);
  ctx.say(
    isTerminal(run.state)
      ? describeOutcome(run)
      : `Run ${run.id} (${run.job_id}) is being cancelled: its process is stopped, then killed if it does not exit.`,
  );
  return EXIT.ok;
}

async function retryCommand(ctx: Ctx, rawRun: string): Promise<number> {
  const runId = parseRunId(rawRun);
  const run = await ctx.client.call('runs:retry', { id: runId });
  ctx.emitJson(run);
  const what =
    run.id === runId
      ? `Run ${run.id} (${run.job_id}) is due now`
      : `Run ${run.id} (${run.job_id}) retries run ${runId}`;
  ctx.say(`${what}: attempt ${run.attempt}/${run.max_attempts}, ${run.state}.`);
  return EXIT.ok;
}

// ───────────────────────────── job settings and engine ─────────────────────────────

async function setEnabledCommand(ctx: Ctx, job: string, enabled: boolean): Promise<number> {
  const view = await ctx.client.call(enabled ? 'jobs:enable' : 'jobs:disable', { id: job });
  ctx.emitJson(view);
  const note =
    view.overrides.enabled === null
      ? ''
      : ` (a runtime override: the jobs file says ${view.file_enabled ? 'enabled' : 'disabled'})`;
  ctx.say(`${view.id} is ${view.enabled ? 'enabled' : 'disabled'}${note}. Next run: ${shortTime(view.next_fire_at)}.`);
  return EXIT.ok;
}

interface ScheduleOptions {
  cron?: string;
  timezone?: string;
  every?: string;
  at?: string;
  reset?: boolean;
}

/** Exactly one of --cron, --every, --at, --reset; --timezone only with --cron. */
export function scheduleFromOptions(options: ScheduleOptions): ScheduleInput | null {
  const given = (['cron', 'every', 'at', 'reset'] as const).filter(
    (k) => options[k] !== undefined && options[k] !== false,
  );
  if (given.length !== 1) {
    throw new UsageError(
      `give exactly one of --cron EXPR [--timezone TZ], --every DURATION, --at ISO-DATE or --reset${given.length > 1 ? ` (got ${given.map((k) => `--${k}`).join(' and ')})` : ''}`,
    );
  }
  if (options.timezone !== undefined && options.cron === undefined)
    throw new UsageError('--timezone only goes with --cron');
  if (options.cron !== undefined)
    return { cron: options.cron, ...(options.timezone ? { timezone: options.timezone } : {}) };
  if (options.every !== undefined) return { every: options.every };
  if (options.at !== undefined) return { at: options.at };
  return null;
}

async function scheduleCommand(ctx: Ctx, job: string, options: ScheduleOptions): Promise<number> {
  const schedule = scheduleFromOptions(options);
  const view =
    schedule === null
      ? await ctx.client.call('jobs:reset-schedule', { id: job })
      : await ctx.client.call('jobs:set-schedule', { id: job, schedule });
  ctx.emitJson(view);
  const note = view.overrides.schedule
    ? ` (a runtime override: the jobs file says ${describeSchedule(view.file_schedule)})`
    : ' (as in the jobs file)';
  ctx.say(
    `${view.id}: ${describeSchedule(view.definition?.schedule ?? view.file_schedule)}${note}. Next run: ${shortTime(view.next_fire_at)}.`,
  );
  return EXIT.ok;
}

async function pauseCommand(ctx: Ctx, pause: boolean): Promise<number> {
  const result = await ctx.client.call(pause ? 'engine:pause' : 'engine:resume', {});
  ctx.emitJson(result);
  ctx.say(
    result.paused
      ? 'Jobtray is paused: no new runs start (running ones finish). Resume with: jobtray resume'
      : 'Jobtray is running its schedules again.',
  );
  return EXIT.ok;
}

async function reloadCommand(ctx: Ctx): Promise<number> {
  const status = await ctx.client.call('config:reload', {});
  ctx.emitJson(status);
  if (status.errors.length === 0) {
    ctx.say(`Reloaded ${status.file}: no errors.`);
    return EXIT.ok;
  }
  ctx.say(`Reloaded ${status.file}: ${status.errors.length} error(s); the last good jobs keep running:`);
  for (const error of status.errors) ctx.say(`  ${error.message}`);
  return EXIT.failed;
}

async function backupCommand(ctx: Ctx, options: { to?: string }): Promise<number> {
  // A relative --to is relative to where the CLI runs; the host (on this machine) needs it absolute.
  const info = await ctx.client.call('store:backup', options.to === undefined ? {} : { to: path.resolve(options.to) });
  ctx.emitJson(info);
  ctx.say(`Backed up the database to ${info.file} (${info.bytes} bytes).`);
  if (info.pruned.length > 0) ctx.say(`Removed ${info.pruned.length} older backup(s): ${info.pruned.join(', ')}`);
  return EXIT.ok;
}

// ───────────────────────────── artifacts ─────────────────────────────

async function serveCommand(io: CliIo, options: ServeArgs): Promise<number> {
  // Loaded only here: every other command is a small HTTP client and starts fast.
  const { runHostUntilSignal } = await import('../host/host.js');
  await runHostUntilSignal({
    ...hostOptionsFrom(options, io.env),
    consoleLog: 'warn',
    print: (line) => io.stdout.write(`${line}\n`),
  });
  return EXIT.ok;
}

// ───────────────────────────── the program ─────────────────────────────

/** The options every command that talks to a running host accepts. */
function withConnection(command: Command): Command {
  return command
    .option('--json', "print the API's JSON result instead of text")
    .option(
      '--data-dir <dir>',
      'data directory of the running Jobtray, whose api.json says where it listens (default: JOBTRAY_DATA_DIR or the OS data dir)',
    )
    .option('--url <url>', 'Local API URL, e.g. http://127.0.0.1:8787 (instead of the discovery file)')
    .option('--token <token>', "the Local API's bearer token (default: from api.json)");
}

/**
 * Builds the `jobtray` program; each action reports its exit code through
 * `setExit`. Output goes to `io`, never straight to the process.
 */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('jobtray')
    .description('Runs and inspects the recurring local jobs of a running Jobtray (start one with: jobtray serve).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  jobtray serve --port 0                         run Jobtray headless (prints the dashboard URL)',
        '  jobtray run sync-orders --param days_back=3 --wait',
        '  jobtray logs 42 --follow',
        '  jobtray schedule sync-orders --cron "*/10 9-21 * * 1-5" --timezone Europe/Berlin',
        '',
        'The CLI finds the running Jobtray through api.json in its data directory',
        '(--data-dir, else JOBTRAY_DATA_DIR, else the OS default).',
        'Exit codes: 0 ok, 1 failed (or the waited-for run did not succeed), 2 usage error, 130 stopped waiting (Ctrl+C).',
      ].join('\n'),
    );

  /** Registers a command that talks to the host: the last action argument is its options. */
  const http = (spec: string, description: string, action: (ctx: Ctx, ...args: never[]) => Promise<number>) =>
    withConnection(program.command(spec).description(description)).action(async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const positional = args.slice(0, -2);
      const options = command.opts<CommonOptions & Record<string, unknown>>();
      const act = action as (ctx: Ctx, ...rest: unknown[]) => Promise<number>;
      setExit(await act(makeCtx(io, options), ...positional, options));
    });

  withServeOptions(
    program
      .command('serve')
      .description('run Jobtray headless in the foreground: engine, Local API and dashboard (Ctrl+C stops it)'),
  ).action(async (options: ServeArgs) => setExit(await serveCommand(io, options)));
  addServiceCommands(program, io, setExit);

  http('jobs', 'list jobs with health, schedule, next and last run', (ctx) => jobsCommand(ctx));
  http('status', 'overall health, paused or not, config errors and running runs', (ctx) => statusCommand(ctx));
  http(
    'run <job>',
    'start a run of JOB now; prints its run id',
    (ctx, job: string, options: { param: string[]; wait?: boolean }) => runCommand(ctx, job, options),
  )
    .option('-p, --param <name=value>', 'a job parameter (repeatable)', collect, [])
    .option('-w, --wait', 'wait for the run (and its retries) to end, show its progress, exit 0 only if it succeeded');
  http('runs', 'list recent runs, newest first', (ctx, options: { job?: string; state?: string; limit?: string }) =>
    runsCommand(ctx, options),
  )
    .option('--job <job>', 'only runs of this job')
    .option(
      '--state <state>',
      'only runs in this state (queued, running, succeeded, failed, timed_out, cancelled, interrupted, skipped, retry_scheduled)',
    )
    .option('--limit <n>', 'at most this many runs (1-500, default 20)');
  http('logs <run>', "print a run's log lines", (ctx, run: string, options: { follow?: boolean }) =>
    logsCommand(ctx, run, options),
  ).option('-f, --follow', 'keep printing new lines until the run ends');
  http('cancel <run>', 'cancel a queued or running run (its process tree is stopped)', (ctx, run: string) =>
    cancelCommand(ctx, run),
  );
  http('retry <run>', 'retry a failed run now (or make a scheduled retry due now)', (ctx, run: string) =>
    retryCommand(ctx, run),
  );
  http('enable <job>', 'enable a job (a runtime override of the jobs file)', (ctx, job: string) =>
    setEnabledCommand(ctx, job, true),
  );
  http('disable <job>', 'disable a job (a runtime override of the jobs file)', (ctx, job: string) =>
    setEnabledCommand(ctx, job, false),
  );
  http(
    'schedule <job>',
    "override a job's schedule at runtime, or --reset it to the jobs file's",
    (ctx, job: string, options: ScheduleOptions) => scheduleCommand(ctx, job, options),
  )
    .option('--cron <expr>', 'cron expression, 5 or 6 fields')
    .option('--timezone <tz>', 'IANA time zone of --cron, e.g. Europe/Berlin')
    .option('--every <duration>', 'fixed interval, e.g. 10m')
    .option('--at <iso-date>', 'once, at this date and time')
    .option('--reset', "back to the jobs file's schedule");
  http('pause', 'pause all schedules (running runs finish)', (ctx) => pauseCommand(ctx, true));
  http('resume', 'resume schedules', (ctx) => pauseCommand(ctx, false));
  http('reload', 're-read the jobs file now', (ctx) => reloadCommand(ctx));
  http(
    'backup',
    "back up the database now, online (into the data dir's backups/, or --to FILE)",
    (ctx, options: { to?: string }) => backupCommand(ctx, options),
  ).option('--to <file>', 'write the backup to FILE instead (it must not exist yet)');
  http(
    'artifacts <run>',
    "list a run's artifacts, or download them with --save",
    (ctx, run: string, options: { save?: string }) => artifactsCommand(ctx, run, options),
  ).option('--save <dir>', 'download every artifact into DIR (created if missing)');
  return program;
}
