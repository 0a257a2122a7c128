import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../main/engine/store/index.js';
import type { RunErrorCode, RunState } from '../contract/model.js';

/**
 * B5's data generator: a run history shaped like a busy workstation's after
 * months of use, written into the store's own schema (openStore creates and
 * migrates the file; the rows are then bulk-inserted through a plain
 * connection, because the store inserts one run per transaction by design).
 * Deterministic: the same spec and `now` give the same rows.
 */

/** Bump when the generated rows change shape, so cached databases are regenerated. */
export const GENERATOR_VERSION = 2;

export interface HistorySpec {
  /** Folder name in the cache. */
  name: string;
  runs: number;
  /** Total log lines, including the big runs' lines. */
  logLines: number;
  jobs: number;
  /** Runs with `logLines / 50` lines each: the log page and search targets. */
  bigRuns: number;
  /** Runs are spread evenly over this many days before `now`. */
  days: number;
}

export const LARGE_HISTORY: HistorySpec = {
  name: 'large',
  runs: 1_000_000,
  logLines: 10_000_000,
  jobs: 50,
  bigRuns: 5,
  days: 90,
};
export const SMALL_HISTORY: HistorySpec = {
  name: 'small',
  runs: 1_000,
  logLines: 10_000,
  jobs: 50,
  bigRuns: 5,
  days: 90,
};

/** A phrase that appears once per big run, deep inside it: the log search's rare term. */
export const RARE_TERM = 'checksum mismatch in batch';

export interface GeneratedHistory {
  /** The data directory (holds `jobtray.db`), as the engine expects it. */
  dataDir: string;
  dbFile: string;
  spec: HistorySpec;
  jobIds: string[];
  /** Ids of the runs with many log lines; the first one is the benchmark's target. */
  bigRunIds: number[];
  linesPerBigRun: number;
  runCount: number;
  logLineCount: number;
  generatedAt: number;
  /** Time spent generating, ms; null when the cached copy was reused. */
  generationMs: number | null;
}

/** What the generator knows about the rows it wrote. */
type HistoryFacts = Omit<GeneratedHistory, 'dataDir' | 'dbFile' | 'generationMs'>;

interface Manifest extends HistoryFacts {
  generatorVersion: number;
  generationMs: number;
}

const DAY_MS = 86_400_000;
/**
 * A cached copy is reused only while its newest day still covers most of the
 * dashboard's 24 h window; an older one would make the 24 h stats trivially cheap.
 */
const CACHE_MAX_AGE_MS = 6 * 3_600_000;
const TX_ROWS = 100_000;

export function historyCacheDir(): string {
  return path.join(os.tmpdir(), 'jobtray-bench-b5-cache', `v${GENERATOR_VERSION}`);
}

export function jobIdsFor(spec: HistorySpec): string[] {
  return Array.from({ length: spec.jobs }, (_, i) => `job-${String(i + 1).padStart(2, '0')}`);
}

/** The cached history when it is complete, of this generator version and recent enough; otherwise a fresh one. */
export function ensureHistory(spec: HistorySpec, now = Date.now()): GeneratedHistory {
  const dataDir = path.join(historyCacheDir(), spec.name);
  const dbFile = path.join(dataDir, 'jobtray.db');
  const manifestFile = path.join(dataDir, 'manifest.json');
  const cached = readManifest(manifestFile);
  if (
    cached &&
    cached.generatorVersion === GENERATOR_VERSION &&
    now - cached.generatedAt < CACHE_MAX_AGE_MS &&
    fs.existsSync(dbFile)
  ) {
    const { generatorVersion: _version, generationMs: _ms, ...rest } = cached;
    return { ...rest, dataDir, dbFile, generationMs: null };
  }
  // Generated beside the cache and renamed into place, so a crash never leaves a half-filled copy that looks complete.
  const building = `${dataDir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  fs.mkdirSync(building, { recursive: true });
  const started = performance.now();
  const facts = generate(path.join(building, 'jobtray.db'), spec, now);
  const generationMs = performance.now() - started;
  const manifest: Manifest = { ...facts, generatorVersion: GENERATOR_VERSION, generationMs };
  fs.writeFileSync(path.join(building, 'manifest.json'), JSON.stringify(manifest, null, 2));
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.renameSync(building, dataDir);
  return { ...facts, dataDir, dbFile, generationMs };
}

function readManifest(file: string): Manifest | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/**
 * One finished run, straight into the store's schema (attempts are out of 3,
 * each run its own retry chain). Also used by `npm run screenshots` to seed a demo history.
 */
export const INSERT_RUN_SQL = `
    INSERT INTO runs (id, job_id, trigger, requested_by, params, state, attempt, max_attempts, root_run_id, parent_run_id,
      priority, reason, created_at, due_at, started_at, finished_at, duration_ms, progress, step, exit_code, signal,
      error, error_code, result, pid, log_count, log_truncated, idempotency_key)
    VALUES (@id, @job_id, @trigger, @requested_by, @params, @state, @attempt, 3, @id, NULL,
      'normal', @reason, @created_at, NULL, @started_at, @finished_at, @duration_ms, @progress, @step, @exit_code, NULL,
      @error, @error_code, @result, NULL, @log_count, 0, NULL)`;

/** mulberry32: small, fast, seedable; good enough for test data. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Outcome = Extract<RunState, 'succeeded' | 'failed' | 'timed_out' | 'interrupted' | 'cancelled' | 'skipped'>;

/** Cumulative weights: mostly successes, a realistic tail of failures and skips. */
const OUTCOMES: readonly [Outcome, number][] = [
  ['succeeded', 0.86],
  ['failed', 0.93],
  ['timed_out', 0.945],
  ['interrupted', 0.95],
  ['cancelled', 0.96],
  ['skipped', 1],
];

/** Skipped runs store no log lines. */
const SKIPPED_SHARE = 1 - (OUTCOMES.at(-2)?.[1] ?? 1);

const ERRORS: Record<Exclude<Outcome, 'succeeded' | 'skipped'>, { code: RunErrorCode; texts: string[] }> = {
  failed: {
    code: 'exit_code',
    texts: [
      'exited with code 1: requests.exceptions.ConnectionError: marketplace API returned 503',
      "exited with code 1: KeyError: 'sku' while importing order batch",
      'exited with code 2: invalid credentials for the shop account',
      'exited with code 1: psycopg.OperationalError: could not connect to server',
    ],
  },
  timed_out: { code: 'timeout', texts: ['timed out after 3m; stopped'] },
  interrupted: { code: 'interrupted', texts: ['Jobtray stopped while the run was running'] },
  cancelled: { code: 'cancelled', texts: ['cancelled by ui'] },
};

const STEPS = ['Fetching orders', 'Importing orders', 'Updating stock', 'Writing export', 'Uploading report', null];

const LOG_TEMPLATES: ((n: number) => string)[] = [
  (n) => `Fetched page ${n % 40} of orders (${(n * 7) % 250} items)`,
  (n) => `Updated stock for SKU-${(n * 31) % 100_000}: ${(n * 3) % 90} available`,
  (n) => `GET https://api.example-market.com/v2/orders?page=${n % 40} 200 in ${(n * 13) % 900} ms`,
  (n) => `Wrote ${(n * 17) % 5000} rows to export_${n % 7}.csv`,
  (n) => `Retrying request ${n % 5}/5 after HTTP 429`,
  (n) => `Processed batch ${n} (${(n * 11) % 1000} records)`,
];

function logMessage(n: number): string {
  return LOG_TEMPLATES[n % LOG_TEMPLATES.length]!(n);
}

function pick(rand: () => number, cumulative: readonly [Outcome, number][]): Outcome {
  const r = rand();
  return cumulative.find(([, upTo]) => r < upTo)?.[0] ?? 'succeeded';
}

/** Creates the schema through the product's store, then fills it. */
function generate(file: string, spec: HistorySpec, now: number): HistoryFacts {
  openStore({ path: file }).close();
  const db = new Database(file);
  try {
    // A scratch file being built: no journal needed (it is renamed into place only when complete).
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const facts = fill(db, spec, now);
    // Long-lived databases carry planner statistics (the store runs PRAGMA optimize on close).
    db.exec('ANALYZE');
    db.pragma('journal_mode = WAL');
    return facts;
  } finally {
    db.close();
  }
}

function fill(db: Database.Database, spec: HistorySpec, now: number): HistoryFacts {
  const rand = seededRandom(0xb5);
  const jobIds = jobIdsFor(spec);
  const linesPerBigRun = Math.floor(spec.logLines / 50);
  const smallLines = spec.logLines - spec.bigRuns * linesPerBigRun;
  // Lines per ordinary run that is not skipped: about uniform in [mean-4, mean+4], so the total lands near spec.logLines.
  const meanLines = Math.max(4, smallLines / ((spec.runs - spec.bigRuns) * (1 - SKIPPED_SHARE)));
  // Big runs sit in the middle of the history, evenly apart, all succeeded.
  const bigRunIds = Array.from({ length: spec.bigRuns }, (_, i) =>
    Math.floor(((i + 1) * spec.runs) / (spec.bigRuns + 1)),
  );
  const bigRuns = new Set(bigRunIds);
  const start = now - spec.days * DAY_MS;
  const step = (spec.days * DAY_MS) / spec.runs;

  const insertRun = db.prepare(INSERT_RUN_SQL);
  const insertLog = db.prepare(
    'INSERT INTO run_logs (run_id, seq, ts, stream, level, message) VALUES (?, ?, ?, ?, ?, ?)',
  );

  let logLineCount = 0;
  let pending = 0;
  db.exec('BEGIN');
  const commitEvery = (rows: number) => {
    pending += rows;
    if (pending < TX_ROWS) return;
    db.exec('COMMIT');
    db.exec('BEGIN');
    pending = 0;
  };

  for (let id = 1; id <= spec.runs; id += 1) {
    const big = bigRuns.has(id);
    // The last run takes whatever lines are left, so the total is exactly spec.logLines.
    const last = id === spec.runs;
    const state: Outcome = big || last ? 'succeeded' : pick(rand, OUTCOMES);
    const created = Math.floor(start + id * step);
    const skipped = state === 'skipped';
    const duration = skipped ? null : Math.floor(200 + rand() * rand() * 180_000);
    const startedAt = skipped ? null : created + Math.floor(rand() * 50);
    const finishedAt = skipped ? created : startedAt! + duration!;
    const lines = skipped
      ? 0
      : big
        ? linesPerBigRun
        : last
          ? Math.max(0, spec.logLines - logLineCount)
          : Math.floor(meanLines - 4 + rand() * 9);
    const failure = state === 'succeeded' || skipped ? null : ERRORS[state];
    const attempt = rand() < 0.03 ? 2 : 1;
    insertRun.run({
      id,
      job_id: jobIds[Math.floor(rand() * jobIds.length)]!,
      trigger: attempt === 2 ? 'retry' : rand() < 0.93 ? 'schedule' : 'manual',
      requested_by: 'engine',
      params: '{"days_back":7}',
      state,
      attempt,
      reason: skipped ? 'overlap: a previous run of this job is still running' : null,
      created_at: created,
      started_at: startedAt,
      finished_at: finishedAt,
      duration_ms: duration,
      progress: state === 'succeeded' ? 100 : skipped ? null : Math.floor(rand() * 100),
      step: skipped ? null : (STEPS[Math.floor(rand() * STEPS.length)] ?? null),
      exit_code: skipped ? null : state === 'succeeded' ? 0 : state === 'failed' ? 1 : null,
      error: failure ? failure.texts[Math.floor(rand() * failure.texts.length)]! : null,
      error_code: failure ? failure.code : null,
      result: state === 'succeeded' ? `{"orders":${Math.floor(rand() * 500)}}` : null,
      log_count: lines,
    });
    const rareAt = big ? Math.floor(lines * 0.75) : -1;
    for (let seq = 1; seq <= lines; seq += 1) {
      const n = id * 31 + seq;
      const warn = n % 97 === 0;
      const message = seq === rareAt ? `${RARE_TERM} ${id}-${seq}: expected 9f3a, got 77c1` : logMessage(n);
      insertLog.run(id, seq, (startedAt ?? created) + seq, warn ? 'stderr' : 'stdout', warn ? 'warn' : 'info', message);
    }
    logLineCount += lines;
    commitEvery(1 + lines);
  }
  db.exec('COMMIT');
  return { spec, jobIds, bigRunIds, linesPerBigRun, runCount: spec.runs, logLineCount, generatedAt: now };
}
