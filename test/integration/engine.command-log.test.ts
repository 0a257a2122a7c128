import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../contract/model.js';
import type { Engine } from '../../main/engine/engine.js';
import { serializedLinesOf } from '../../main/engine/serialized-log-lines.js';
import { eventually, makeTestEngine, waitForRun, within } from '../helpers/engine.js';

/**
 * A command's output is stored by the command supervisor's thread, on its own
 * connection (workers/command-supervisor.ts), and announced by the engine
 * from what it reports. Real threads, a real SQLite file, real processes.
 */

/** Prints `first` lines, waits for the file `go` beside the jobs file, then prints `second` more. */
const TWO_PARTS = `import os, sys, time
first, second = int(sys.argv[1]), int(sys.argv[2])
for i in range(1, first + 1):
    print(f"line {i}")
sys.stdout.flush()
while not os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "go")):
    time.sleep(0.01)
for i in range(first + 1, first + second + 1):
    print(f"line {i}")
`;

/** Every stored line of the run, page by page. */
function allLines(engine: Engine, runId: number): LogLine[] {
  const lines: LogLine[] = [];
  for (let after: number | null = 0; after !== null;) {
    const page = engine.getRunLogs(runId, { after, limit: 5_000 });
    lines.push(...page.lines);
    after = page.next_after;
  }
  return lines;
}

const JOBS = `
jobs:
  - id: two-parts
    command: [python3, two_parts.py, "3000", "3000"]
  - id: flood
    command: [python3, -c, "for i in range(1, 5001): print(f'line {i}')"]
  - id: script-two-parts
    script: two_parts.mjs
`;

/** TWO_PARTS as a script job: its lines reach the engine's thread, which hands them to the log writer. */
const SCRIPT_TWO_PARTS = `import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export default async (ctx) => {
  for (let i = 1; i <= 3000; i++) ctx.log.info('line ' + i + ' — café 日本');
  while (!fs.existsSync(path.join(import.meta.dirname, 'go'))) await sleep(10);
  for (let i = 3001; i <= 6000; i++) ctx.log.info('line ' + i + ' — café 日本');
};`;

describe('command output stored by the command supervisor', () => {
  it('announces every line stored after a listener comes mid-run, once and in order, though the supervisor did not know of it', async () => {
    const { engine, dataDir } = await makeTestEngine({ jobs: JOBS, files: { 'two_parts.py': TWO_PARTS } });
    expect(engine.events.has('run:log')).toBe(false);
    const run = engine.trigger('two-parts', { actor: 'cli' });
    // Nobody listens yet: the first part is stored, and nothing is announced.
    await eventually(() => engine.getRun(run.id).log_count >= 3000, 'the first 3,000 lines to be stored');

    const announced: LogLine[] = [];
    engine.events.on('run:log', (event) => {
      if (event.run_id === run.id) announced.push(...event.lines);
    });
    fs.writeFileSync(path.join(dataDir, 'go'), '');
    expect((await within(waitForRun(engine, run.id), 15_000, 'the run to end')).state).toBe('succeeded');

    const stored = allLines(engine, run.id);
    expect(stored.map((l) => l.message)).toEqual(Array.from({ length: 6000 }, (_, i) => `line ${i + 1}`));
    // The supervisor's next batches came without the lines (it had not heard of the listener yet): they were read back.
    expect(announced.length).toBeGreaterThanOrEqual(3000);
    expect(announced.map((l) => l.seq)).toEqual(stored.slice(stored.length - announced.length).map((l) => l.seq));
    expect(announced).toEqual(stored.slice(stored.length - announced.length));
    await engine.close();
  });

  it('hands a listener the lines as the thread that stored them serialized them, for commands and scripts alike', async () => {
    const { engine, dataDir } = await makeTestEngine({
      jobs: JOBS,
      files: { 'two_parts.py': TWO_PARTS, 'two_parts.mjs': SCRIPT_TWO_PARTS },
    });
    const events: { serialized: boolean; lines: LogLine[] }[] = [];
    engine.events.on('run:log', (event) =>
      events.push({ serialized: serializedLinesOf(event) !== null, lines: event.lines }),
    );
    const jobLines = () => events.flatMap((e) => e.lines).filter((l) => l.stream !== 'system');
    // A command's lines are stored by the command supervisor; a script's by the log writer.
    for (const [job, text] of [
      ['two-parts', (i: number) => `line ${i}`],
      ['script-two-parts', (i: number) => `line ${i} — café 日本`],
    ] as const) {
      events.length = 0;
      fs.rmSync(path.join(dataDir, 'go'), { force: true });
      const run = engine.trigger(job, { actor: 'cli' });
      await eventually(() => jobLines().length >= 3000, `${job}: the first 3,000 lines announced`);
      // Stored while the job still ran, so by the other thread: every one of them came serialized.
      expect(events.filter((e) => e.lines.some((l) => l.stream !== 'system')).every((e) => e.serialized)).toBe(true);
      fs.writeFileSync(path.join(dataDir, 'go'), '');
      expect((await within(waitForRun(engine, run.id), 15_000, job)).state).toBe('succeeded');
      expect(jobLines().map((l) => l.message)).toEqual(Array.from({ length: 6000 }, (_, i) => text(i + 1)));
      expect(jobLines()).toEqual(allLines(engine, run.id).filter((l) => l.stream !== 'system'));
    }
    await engine.close();
  });

  it('keeps the log cap for the lines it stores: one truncation marker, later lines only counted', async () => {
    const { engine } = await makeTestEngine({ jobs: JOBS, settings: { log_cap_per_run: 1000 } });
    const run = await within(waitForRun(engine, engine.trigger('flood', { actor: 'cli' }).id), 15_000, 'flood');
    expect(run.state).toBe('succeeded');
    expect(run.log_truncated).toBe(true);
    const lines = engine.getRunLogs(run.id, { limit: 5_000 }).lines;
    expect(lines).toHaveLength(1001);
    expect(lines.slice(0, 1000).map((l) => l.message)).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`));
    expect(lines[1000]).toMatchObject({ seq: 1001, stream: 'system', level: 'warn' });
    expect(lines[1000]!.message).toMatch(/truncated: more than 1000 lines/);
    await engine.close();
  });
});
