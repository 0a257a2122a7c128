import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../../contract/model.js';
import { track } from './open-handles.js';

const ENGINE_HOST = fileURLToPath(new URL('../fixtures/engine-host.mjs', import.meta.url));

export interface EngineHostProcess {
  host: ChildProcess;
  /** The runs the triggers created, in order. */
  runIds: number[];
  /** What the first run to print `pids …` printed. */
  pids: number[];
  exited: Promise<unknown>;
}

/**
 * Runs an engine in its own process (test/fixtures/engine-host.mjs) on
 * `dataDir`, triggers each of `triggers` (a job id, or `<job id>=<params as
 * JSON>`), and resolves once a run printed `pids …`: the process is then
 * ready to be killed.
 */
export async function hostAndTrigger(
  dataDir: string,
  triggers: string[],
  settings: Partial<Settings> = {},
  timeoutMs = 15_000,
): Promise<EngineHostProcess> {
  const host = spawn(process.execPath, [ENGINE_HOST, dataDir, ...triggers], {
    env: { ...process.env, JOBTRAY_TEST_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => host.once('exit', resolve));
  track({
    name: `engine host ${dataDir}`,
    isOpen: () => host.exitCode === null && host.signalCode === null,
    close: async () => {
      host.kill('SIGKILL');
      await exited;
    },
  });
  const lines = readline.createInterface({ input: host.stdout! });
  const runIds: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pids = await new Promise<number[]>((resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no run of the engine host printed its pids within ${timeoutMs} ms (triggers: ${triggers.join(' ')})`,
          ),
        ),
      timeoutMs,
    );
    host.once('exit', (code) => reject(new Error(`the engine host exited early with ${code}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { triggered?: number; message?: string };
      if (msg.triggered) runIds.push(msg.triggered);
      if (typeof msg.message === 'string' && msg.message.startsWith('pids '))
        resolve(msg.message.split(' ').slice(1).map(Number));
    });
  }).finally(() => clearTimeout(timer));
  return { host, runIds, pids, exited };
}
