import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord, RunState, Settings } from '../../contract/model.js';
import { createEngine, type Engine, type EngineOptions } from '../../main/engine/engine.js';
import { silentLogger } from '../../main/engine/logger.js';
import { track } from './open-handles.js';

export interface TestEngineOptions {
  /** Contents of jobs.yaml. */
  jobs: string;
  /** Extra files to write into the data dir (relative path → contents). */
  files?: Record<string, string>;
  settings?: Partial<Settings>;
  watch?: boolean;
  /** Reuse an existing data dir (restart tests). */
  dataDir?: string;
  engineOptions?: Partial<EngineOptions>;
}

/** Fast kill grace and small limits, so tests stay quick. */
export const TEST_SETTINGS: Partial<Settings> = {
  kill_grace_ms: 500,
  retention_max_age_days: 0,
  retention_max_runs_per_job: 0,
};

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-engine-'));
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

/** A real engine on a temp data dir with a jobs.yaml of the test's own. Registered with the leak check. */
export async function makeTestEngine(
  opts: TestEngineOptions,
): Promise<{ engine: Engine; dataDir: string; jobsFile: string }> {
  const dataDir = opts.dataDir ?? makeDataDir();
  const jobsFile = path.join(dataDir, 'jobs.yaml');
  writeFiles(dataDir, { ...(opts.files ?? {}), 'jobs.yaml': opts.jobs });
  const engine = await createEngine({
    dataDir,
    jobsFile,
    settings: { ...TEST_SETTINGS, ...opts.settings },
    watch: opts.watch ?? false,
    logger: silentLogger,
    ...opts.engineOptions,
  });
  track({ name: `engine ${dataDir}`, isOpen: () => !engine.isClosed, close: () => engine.close() });
  return { engine, dataDir, jobsFile };
}

const FINAL: RunState[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted', 'skipped'];

/** Resolves when the run reaches one of `states` (default: any terminal state). */
export function waitForRun(engine: Engine, runId: number, states: RunState[] = FINAL): Promise<RunRecord> {
  const current = engine.getRun(runId);
  if (states.includes(current.state)) return Promise.resolve(current);
  return engine.events.waitFor('run:state', (r) => r.id === runId && states.includes(r.state));
}

/** Resolves with the first run:state event matching the predicate. */
export function nextRun(engine: Engine, predicate: (run: RunRecord) => boolean): Promise<RunRecord> {
  return engine.events.waitFor('run:state', predicate);
}

/** Collects every run:state event. */
export function recordRuns(engine: Engine): RunRecord[] {
  const seen: RunRecord[] = [];
  engine.events.on('run:state', (r) => seen.push(r));
  return seen;
}

/** Alive and not a zombie: the engine's own check. */
export { isAlive } from '../../main/shared/process.js';

/** Polls (there is no event for "a process I do not own exited"). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rejects naming `what` when `promise` takes longer than `ms`: an awaited event never hangs a test. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
