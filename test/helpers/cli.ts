import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../main/cli/index.js';
import { startHost, type Host } from '../../main/host/host.js';
import { TEST_SETTINGS, makeDataDir, writeFiles } from './engine.js';
import { track } from './open-handles.js';

/** The real launcher; it runs the compiled CLI (the vitest global setup builds dist/). */
export const BIN = fileURLToPath(new URL('../../bin/jobtray.js', import.meta.url));

/** A stream that keeps what is written; `isTTY` makes the CLI behave as on a terminal. */
export interface CapturedStream {
  isTTY: boolean;
  columns: number;
  text: string;
  write(chunk: string): boolean;
}

export function captureStream(isTTY = false): CapturedStream {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `jobtray <args>` in this process with captured output. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {},
): Promise<CliResult> {
  const stdout = captureStream(options.tty ?? false);
  const stderr = captureStream(options.tty ?? false);
  const code = await main(args, { stdout, stderr, env: options.env ?? { PATH: process.env.PATH } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export interface TestHost {
  host: Host;
  dataDir: string;
  /** `jobtray <args> --data-dir <this host's dir>`, in process. */
  cli(args: string[], options?: { tty?: boolean }): Promise<CliResult>;
  /** GET an API path with the host's token: what `--json` output is compared with. */
  api<T = unknown>(apiPath: string): Promise<T>;
  close(): Promise<void>;
}

/** A real headless host (engine + Local API on a free port) on a temp data dir with the test's own jobs file. */
export async function startTestHost(
  jobs: string | ((dataDir: string) => string),
  files: Record<string, string> = {},
): Promise<TestHost> {
  const dataDir = makeDataDir();
  writeFiles(dataDir, { ...files, 'jobs.yaml': typeof jobs === 'string' ? jobs : jobs(dataDir) });
  const host = await startHost({
    dataDir,
    port: 0,
    staticDir: null,
    watch: false,
    consoleLog: false,
    settings: TEST_SETTINGS,
  });
  let open = true;
  const close = async () => {
    open = false;
    await host.close();
  };
  track({ name: `host ${dataDir}`, isOpen: () => open, close });
  const { token } = JSON.parse(fs.readFileSync(path.join(dataDir, 'api.json'), 'utf8')) as { token: string };
  const api = async <T>(apiPath: string): Promise<T> => {
    const response = await fetch(`${host.url}${apiPath}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`GET ${apiPath}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return { host, dataDir, cli: (args, options) => runCli([...args, '--data-dir', dataDir], options ?? {}), api, close };
}

export interface SpawnedCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `exited`, or a failure naming the command when it takes longer (something keeps the process alive). */
  exitedWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/jobtray.js <args>` (or another script of the build) as a real child process, registered with the leak check. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, script: string = BIN): SpawnedCli {
  return spawnNode(script, args, env);
}

/** `node <script> <args>` as a real child process (e.g. dist/main/start.js, what `npm start` runs), registered with the leak check. */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  track({
    name: `jobtray ${args.join(' ')}`,
    isOpen: () => child.exitCode === null && child.signalCode === null,
    close: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  });
  const waitForStdout = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out);
        if (!match) return;
        cleanup();
        resolve(match);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no ${pattern} in the output of jobtray ${args.join(' ')} within ${timeoutMs} ms:\n${out}\n${err}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const exitedWithin = (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`jobtray ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${out}\n${err}`)),
        timeoutMs,
      );
    });
    return Promise.race([exited, late]).finally(() => clearTimeout(timer));
  };
  return { child, stdout: () => out, stderr: () => err, waitForStdout, exited, exitedWithin };
}
