import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../contract/model.js';
import { createEngine, type Engine } from '../main/engine/engine.js';
import { silentLogger } from '../main/engine/logger.js';

/**
 * The measured side of B8, in a process of its own so /proc/self/stat counts
 * only it: `engine <dir> <jobs> <concurrency>` runs command jobs through a real
 * engine, `script <dir> <jobs> <concurrency>` no-op script jobs (a fresh worker
 * per attempt); `bare <concurrency>` spawns the command in a plain loop. All
 * take `{ runs }` over IPC and answer with their own CPU ticks (utime + stime
 * of every thread of this process, not of its children) and wall time.
 */

/** The command every run starts. */
export const B8_COMMAND = ['sh', '-c', 'echo hi'];

export interface B8Request {
  runs: number;
}
export interface B8Reply {
  ticks: number;
  wallMs: number;
}

/** utime + stime of this process (fields 14 and 15 of /proc/self/stat), in clock ticks. */
function ownTicks(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(work: () => Promise<void>): Promise<B8Reply> {
  const ticks = ownTicks();
  const start = performance.now();
  await work();
  return { ticks: ownTicks() - ticks, wallMs: performance.now() - start };
}

function bareLoop(concurrency: number): (runs: number) => Promise<void> {
  const [command, ...args] = B8_COMMAND as [string, ...string[]];
  return async (runs) => {
    let left = runs;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        await new Promise<void>((resolve, reject) => {
          const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.resume();
          child.stderr.resume();
          child.once('error', reject);
          child.once('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`measurement broken: bare ${command} exited ${code}`)),
          );
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };
}

async function engineLoop(
  kind: 'command' | 'script',
  dir: string,
  jobs: number,
  concurrency: number,
): Promise<(runs: number) => Promise<void>> {
  const what = kind === 'command' ? `command: ${JSON.stringify(B8_COMMAND)}` : 'script: noop.mjs';
  const yaml = Array.from({ length: jobs }, (_, i) => `  - { id: job-${i}, ${what}, overlap: queue }`).join('\n');
  const home = path.join(dir, kind);
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'noop.mjs'), 'export default async () => null;\n');
  fs.writeFileSync(path.join(home, 'jobs.yaml'), `jobs:\n${yaml}\n`);
  const engine: Engine = await createEngine({
    dataDir: path.join(home, 'data'),
    jobsFile: path.join(home, 'jobs.yaml'),
    watch: false,
    logger: silentLogger,
    settings: { max_concurrent_runs: concurrency, retention_max_age_days: 0, retention_max_runs_per_job: 0 },
  });
  let triggered = 0;
  process.once('disconnect', () => void engine.close());
  return async (runs) => {
    let finished = 0;
    await new Promise<void>((resolve, reject) => {
      const off = engine.events.on('run:state', (run) => {
        if (!isTerminal(run.state)) return;
        if (run.state !== 'succeeded')
          reject(new Error(`measurement broken: run ${run.id} ${run.state}: ${run.error}`));
        if (++finished === runs) {
          off();
          resolve();
        }
      });
      for (let i = 0; i < runs; i++) engine.trigger(`job-${triggered++ % jobs}`, { actor: 'api' });
    });
  };
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const loop =
    mode === 'engine' || mode === 'script'
      ? await engineLoop(mode === 'engine' ? 'command' : 'script', rest[0]!, Number(rest[1]), Number(rest[2]))
      : bareLoop(Number(rest[0]));
  process.on('message', (request: B8Request) => {
    measure(() => loop(request.runs)).then(
      (reply) => process.send!(reply),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send!('ready');
}

if (process.send) void main();
