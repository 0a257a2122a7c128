import { spawn } from 'node:child_process';
import path from 'node:path';
import { nativeBuildDir } from '../desktop/desktop-paths.js';
import { chooseStartMode, downloadOrigin, probeOrigin, startFacts, type StartFacts } from './start-mode.js';

/**
 * `npm start`'s decision with its first-run steps: fetch the Electron binary
 * (only when its host answers within the probe's bound, or the download is
 * cached) and build better-sqlite3 for Electron. A step that fails is one line
 * of reason, never a stack trace, and the headless host runs instead.
 */

export type Decision = { mode: 'electron'; binary: string } | { mode: 'headless'; reason: string };

export interface DecideOptions {
  root: string;
  env?: NodeJS.ProcessEnv;
  /** Progress lines ("downloading…"). */
  print(line: string): void;
}

/**
 * Runs a Node script; resolves with null on success, else one line of what it
 * wrote to stderr: the `first` (an error's message before its stack) or the
 * `last` (a script's own summary after its tools' output).
 */
function runStep(script: string, env: NodeJS.ProcessEnv, line: 'first' | 'last'): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'inherit', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code) => {
      const lines = stderr
        .split('\n')
        .map((text) => text.trim())
        .filter((text) => text !== '');
      resolve(code === 0 ? null : ((line === 'first' ? lines[0] : lines.at(-1)) ?? `exit code ${code}`));
    });
  });
}

export async function decideStart(options: DecideOptions): Promise<Decision> {
  const env = options.env ?? process.env;
  const nativeBinding = path.join(options.root, nativeBuildDir(process.platform, process.arch), 'better_sqlite3.node');
  const facts: StartFacts = startFacts(options.root, nativeBinding, env);
  const first = chooseStartMode(facts);
  if (first.mode !== 'prepare') return first;

  if (first.steps.includes('fetch-electron') && !facts.electronCached) {
    if (!(await probeOrigin(downloadOrigin(env))))
      return chooseStartMode(facts, { downloadReachable: false, failed: null }) as Decision;
  }
  let failed: string | null = null;
  if (first.steps.includes('fetch-electron')) {
    options.print(`Jobtray: downloading the Electron runtime ${facts.electron!.version} (first run)…`);
    const error = await runStep(path.join(facts.electron!.dir, 'install.js'), env, 'first');
    if (error) failed = `the Electron runtime could not be downloaded (${error})`;
  }
  if (!failed && first.steps.includes('build-native')) {
    options.print('Jobtray: building better-sqlite3 for Electron (first run)…');
    const error = await runStep(path.join(options.root, 'dist', 'scripts', 'build-electron-native.js'), env, 'last');
    // The script's own last line says what failed.
    if (error) failed = error;
  }
  const again = chooseStartMode(startFacts(options.root, nativeBinding, env), { downloadReachable: true, failed });
  return again.mode === 'prepare' ? { mode: 'headless', reason: 'first-run setup did not finish' } : again;
}

/** Starts the tray app on this package; resolves with its exit code. */
export function launchElectron(binary: string, root: string): Promise<number> {
  const env = { ...process.env };
  // Inherited from a parent that ran as Node, it would make Electron a plain Node too.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 0));
  });
}
