import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

const JOBS = `
jobs:
  - id: echo-script
    script: jobs/echo.mjs
    params:
      days: { type: integer, default: 7, min: 1, max: 90 }
      label: { type: string, default: x }
  - id: echo-command
    command: [python3, jobs/echo.py, --days, "{{days}}"]
    env: { FROM_FILE: yes-it-is }
    params:
      days: { type: integer, default: 7, min: 1, max: 90 }
  - id: steps
    command: [sh, -c, 'for i in 1 2 3 4 5; do echo "line $i"; echo "::progress $((i*20)) step $i"; echo "err $i" >&2; done']
  - id: artifacts-script
    script: jobs/artifacts.mjs
  - id: artifacts-command
    command: [sh, -c, 'printf "a,b\\n1,2\\n" > out.csv; echo "::artifact export.csv ./out.csv"']
  - id: throws
    script: jobs/throws.mjs
  - id: exits
    script: jobs/exits.mjs
  - id: hog
    script: jobs/hog.mjs
  - id: chatty
    command: [python3, -c, "import sys\\nfor i in range(300): print('line', i)"]
  - id: wide
    command: [python3, -c, "for i in range(3000): print(str(i).rjust(6, '0') + ' ' + 'w' * 1000)"]
`;

const FILES = {
  'jobs/echo.mjs': `export default async (ctx) => {
    ctx.log.info('params ' + JSON.stringify(ctx.params));
    return { params: ctx.params, runId: ctx.runId, attempt: ctx.attempt };
  };`,
  'jobs/echo.py': `import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "env_days": os.environ.get("JOBTRAY_PARAM_DAYS"), "from_file": os.environ.get("FROM_FILE"), "run_id": os.environ.get("JOBTRAY_RUN_ID"), "cwd": os.getcwd()}))
`,
  'jobs/artifacts.mjs': `import fs from 'node:fs';
  // ctx.cwd: a worker thread cannot chdir, relative paths would land in the engine's directory
  export default async (ctx) => {
    fs.writeFileSync(ctx.cwd + '/report.txt', 'hello report');
    await ctx.artifact('report.txt', { path: 'report.txt' });
    await ctx.artifact('data.json', { data: JSON.stringify({ ok: true }) });
    return 'ok';
  };`,
  'jobs/throws.mjs': `export default async () => { throw new Error('the upstream API said 503'); };`,
  'jobs/exits.mjs': `export default async () => { process.exit(7); };`,
  'jobs/hog.mjs': `export default async () => { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); };`,
};

describe('engine runs', () => {
  it('passes params to script jobs, validated and defaulted', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const run = engine.trigger('echo-script', { actor: 'cli', params: { days: '3' } });
    expect(run).toMatchObject({ trigger: 'manual', requested_by: 'cli', params: { days: 3, label: 'x' } });
    expect(['queued', 'running']).toContain(run.state);
    const done = await waitForRun(engine, run.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ params: { days: 3, label: 'x' }, runId: run.id, attempt: 1 });
    expect(() => engine.trigger('echo-script', { actor: 'cli', params: { days: 0 } })).toThrow(/days/);
    expect(() => engine.trigger('nope', { actor: 'cli' })).toThrow(/known jobs: .*echo-script/);
    await engine.close();
  });

  it('passes params to command jobs as placeholders and env vars, with the job env and cwd', async () => {
    const { engine, dataDir } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const run = engine.trigger('echo-command', { actor: 'api', params: { days: 12 } });
    const done = await waitForRun(engine, run.id);
    expect(done.state, done.error ?? '').toBe('succeeded');
    const lines = engine.getRunLogs(run.id).lines.filter((l) => l.stream === 'stdout');
    const seen = JSON.parse(lines[0]!.message);
    expect(seen).toEqual({
      argv: ['--days', '12'],
      env_days: '12',
      from_file: 'yes-it-is',
      run_id: String(run.id),
      cwd: fs.realpathSync(dataDir),
    });
    await engine.close();
  });

  it('persists progress and log lines in order, with their streams', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const progress: number[] = [];
    engine.events.on('run:progress', (p) => progress.push(p.progress ?? -1));
    const run = engine.trigger('steps', { actor: 'ui' });
    const done = await waitForRun(engine, run.id);
    expect(done).toMatchObject({ state: 'succeeded', progress: 100, step: 'step 5', exit_code: 0 });
    const logs = engine.getRunLogs(run.id).lines;
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_, i) => i + 1));
    const stdout = logs.filter((l) => l.stream === 'stdout').map((l) => l.message);
    expect(stdout).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(logs.filter((l) => l.stream === 'stderr').map((l) => l.message)).toEqual([
      'err 1',
      'err 2',
      'err 3',
      'err 4',
      'err 5',
    ]);
    expect(logs.filter((l) => l.stream === 'progress').map((l) => l.message)).toEqual([
      '20% step 1',
      '40% step 2',
      '60% step 3',
      '80% step 4',
      '100% step 5',
    ]);
    // stdout lines and progress lines of one stream keep their relative order
    const order = logs.filter((l) => l.stream !== 'stderr').map((l) => l.message);
    expect(order.indexOf('line 2')).toBeLessThan(order.indexOf('40% step 2'));
    expect(order.indexOf('40% step 2')).toBeLessThan(order.indexOf('line 3'));
    expect(progress.at(-1)).toBe(100);
    await engine.close();
  });

  it('stores artifacts from script and command jobs with size and hash', async () => {
    const { engine, dataDir } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const a = await waitForRun(engine, engine.trigger('artifacts-script', { actor: 'ui' }).id);
    const b = await waitForRun(engine, engine.trigger('artifacts-command', { actor: 'ui' }).id);
    expect(a.state, a.error ?? '').toBe('succeeded');
    expect(b.state).toBe('succeeded');
    const fromScript = engine.listArtifacts(a.id);
    expect(fromScript.map((x) => [x.name, x.size, x.media_type])).toEqual([
      ['data.json', 11, 'application/json'],
      ['report.txt', 12, 'text/plain'],
    ]);
    const report = engine.getArtifact(a.id, 'report.txt');
    expect(fs.readFileSync(report.file, 'utf8')).toBe('hello report');
    expect(report.record.sha256).toBe(createHash('sha256').update('hello report').digest('hex'));
    expect(report.file.startsWith(dataDir)).toBe(true);
    const fromCommand = engine.getArtifact(b.id, 'export.csv');
    expect(fs.readFileSync(fromCommand.file, 'utf8')).toBe('a,b\n1,2\n');
    expect(fromCommand.record).toMatchObject({ size: 8, media_type: 'text/csv' });
    expect(() => engine.getArtifact(b.id, 'missing.csv')).toThrow(/no artifact named/);
    await engine.close();
  });

  it('records a precise state for a job that throws, exits its worker or runs out of memory, and keeps running', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES, settings: { worker_memory_mb: 48 } });
    const thrown = await waitForRun(engine, engine.trigger('throws', { actor: 'ui' }).id);
    expect(thrown).toMatchObject({ state: 'failed', error_code: 'exception', error: expect.stringContaining('503') });
    const exited = await waitForRun(engine, engine.trigger('exits', { actor: 'ui' }).id);
    expect(exited).toMatchObject({ state: 'failed', error_code: 'worker_exit', exit_code: 7 });
    expect(exited.error).toMatch(/process\.exit\(7\)/);
    const hog = await waitForRun(engine, engine.trigger('hog', { actor: 'ui' }).id);
    expect(hog).toMatchObject({ state: 'failed', error_code: 'out_of_memory' });
    expect(hog.error).toMatch(/48 MB/);
    // the engine still runs jobs afterwards
    const after = await waitForRun(engine, engine.trigger('echo-script', { actor: 'ui' }).id);
    expect(after.state).toBe('succeeded');
    await engine.close();
  });

  it('announces long lines in run:log events that stay small serialized, every stored line once, in order', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const events: { seqs: number[]; bytes: number; messages: string[] }[] = [];
    const run = engine.trigger('wide', { actor: 'ui' });
    engine.events.on('run:log', (e) => {
      if (e.run_id !== run.id) return;
      events.push({
        seqs: e.lines.map((l) => l.seq),
        bytes: Buffer.byteLength(JSON.stringify(e)),
        messages: e.lines.filter((l) => l.stream === 'stdout').map((l) => l.message),
      });
    });
    expect((await waitForRun(engine, run.id)).state).toBe('succeeded');
    // 3 MB of output: many events, each under V8's 128 KB large-object size (contract/worker-protocol.ts LOG_SEGMENT_CHARS).
    expect(events.length).toBeGreaterThan(3_000_000 / (128 * 1024));
    expect(Math.max(...events.map((e) => e.bytes))).toBeLessThan(128 * 1024);
    const seqs = events.flatMap((e) => e.seqs);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const messages = events.flatMap((e) => e.messages);
    expect(messages).toEqual(
      Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')} ${'w'.repeat(1000)}`),
    );
    expect(engine.getRun(run.id).log_count).toBe(seqs.length);
    await engine.close();
  });

  it('caps stored log lines per run with one visible truncation marker', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES, settings: { log_cap_per_run: 100 } });
    const run = await waitForRun(engine, engine.trigger('chatty', { actor: 'ui' }).id);
    expect(run.state).toBe('succeeded');
    expect(run.log_truncated).toBe(true);
    const lines = engine.getRunLogs(run.id, { limit: 1000 }).lines;
    expect(lines).toHaveLength(101);
    expect(lines[99]!.message).toBe('line 99');
    expect(lines[100]).toMatchObject({ stream: 'system', level: 'warn' });
    expect(lines[100]!.message).toMatch(/truncated/);
    await engine.close();
  });

  it('writes the run record before the run starts and every transition before announcing it', async () => {
    const { engine, dataDir } = await makeTestEngine({ jobs: JOBS, files: FILES });
    const states: string[] = [];
    engine.events.on('run:state', (r) => {
      // the store already has what the event says
      states.push(`${r.state}:${engine.getRun(r.id).state}`);
    });
    const run = engine.trigger('echo-script', { actor: 'ui' });
    await waitForRun(engine, run.id);
    expect(states).toEqual(['queued:queued', 'running:running', 'succeeded:succeeded']);
    expect(fs.existsSync(path.join(dataDir, 'jobtray.db'))).toBe(true);
    await engine.close();
  });
});
