import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthSnapshot, JobAlert, RunRecord, StorageProblem } from '../../contract/model.js';
import type { Store } from '../../main/engine/store/index.js';
import { readDiscovery } from '../../main/host/discovery.js';
import { startHost, type Host } from '../../main/host/host.js';
import { eventually, isAlive, makeDataDir, within, writeFiles } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';

/**
 * The headless host on a volume that fills up while a chatty job prints, a
 * job fires every second and an operator triggers a run; then space returns.
 *
 * The volume is a real tiny tmpfs when this process may mount one (root);
 * elsewhere the database is capped with SQLite's max_page_count, which fails
 * writes with the same SQLITE_FULL. Never skipped: the output says which ran.
 */

interface FullDisk {
  mode: 'tmpfs' | 'max_page_count';
  dataDir: string;
  storePages?: (store: Pick<Store, 'setPageLimit' | 'pageCount'>) => void;
  /** Takes the remaining space. */
  fill(): void;
  /** Gives it back. */
  free(): void;
  cleanup(): void;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tmpfsDisk(): FullDisk | null {
  if (process.getuid?.() !== 0) return null;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-tmpfs-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dataDir]).status !== 0) {
    fs.rmdirSync(dataDir);
    return null;
  }
  const filler = path.join(dataDir, 'filler');
  return {
    mode: 'tmpfs',
    dataDir,
    fill() {
      // An empty WAL first (as after a checkpoint): the engine's next write must grow a file, and fails at once.
      const db = new Database(path.join(dataDir, 'jobtray.db'));
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      const fd = fs.openSync(filler, 'w');
      try {
        for (const size of [1 << 20, 4096, 1]) {
          const chunk = Buffer.alloc(size);
          try {
            for (;;) fs.writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free: () => fs.rmSync(filler),
    cleanup() {
      if (spawnSync('umount', [dataDir]).status !== 0) spawnSync('umount', ['-l', dataDir]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function pageLimitDisk(): FullDisk {
  const dataDir = makeDataDir();
  let pages: Pick<Store, 'setPageLimit' | 'pageCount'> | null = null;
  const store = () =>
    pages ??
    (() => {
      throw new Error('the engine did not open its store');
    })();
  return {
    mode: 'max_page_count',
    dataDir,
    storePages: (store) => (pages = store),
    fill: () => void store().setPageLimit(store().pageCount()),
    free: () => void store().setPageLimit(null),
    cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

function jobs(stopFile: string, sleepPidFile: string): string {
  return `
jobs:
  - id: chatty
    command:
      - sh
      - -c
      - |
        sleep 300 >/dev/null 2>&1 &
        echo $! > '${sleepPidFile}'
        i=0
        while [ ! -e '${stopFile}' ]; do
          for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
            echo "line $i-$k ................................................................................"
          done
          i=$((i+1))
          sleep 0.05
        done
        echo finished
  - id: ticker
    command: [sh, -c, 'echo tick']
    schedule: { every: 1s }
  - id: manual
    command: [sh, -c, 'echo manual run']
`;
}

describe('host on a full disk', () => {
  // The real volume where this process may mount one; SQLite's cap always, so both paths stay tested.
  it.each([
    ['a real tmpfs', () => tmpfsDisk() ?? pageLimitDisk()],
    ["SQLite's max_page_count", pageLimitDisk],
  ])(
    'on %s: runs go on, new ones are held or refused with 507, and everything is recorded once space returns',
    { timeout: 90_000 },
    async (_name, makeDisk) => {
      const disk = makeDisk();
      cleanups.push(() => disk.cleanup());
      console.log(
        `host.storage-full: the disk fills up by ${disk.mode === 'tmpfs' ? 'a real 32 MiB tmpfs' : "SQLite's max_page_count"}${_name === 'a real tmpfs' && disk.mode !== 'tmpfs' ? ' (mounting a tmpfs is not allowed here)' : ''}`,
      );
      const side = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-full-side-'));
      cleanups.push(() => fs.rmSync(side, { recursive: true, force: true }));
      const stopFile = path.join(side, 'stop');
      const sleepPidFile = path.join(side, 'sleep.pid');
      writeFiles(disk.dataDir, { 'jobs.yaml': jobs(stopFile, sleepPidFile) });

      const host: Host = await startHost({
        dataDir: disk.dataDir,
        port: 0,
        staticDir: null,
        watch: false,
        settings: { kill_grace_ms: 300, retention_max_age_days: 0, retention_max_runs_per_job: 0 },
        ...(disk.storePages ? { storePages: disk.storePages } : {}),
      });
      let open = true;
      const closeHost = async () => {
        if (!open) return;
        open = false;
        await host.close();
      };
      track({ name: `host ${disk.dataDir}`, isOpen: () => open, close: closeHost });
      cleanups.unshift(() => void closeHost());
      const { engine } = host;
      const token = readDiscovery(disk.dataDir)?.token ?? '';
      const api = (method: string, route: string) =>
        fetch(`${host.url}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: method === 'POST' ? '{}' : null,
        });

      const storageStates: (StorageProblem | null)[] = [];
      engine.events.on('health:change', (h: HealthSnapshot) => storageStates.push(h.storage));
      const alerts: JobAlert[] = [];
      engine.events.on('job:alert', (a) => alerts.push(a));

      // The chatty job runs and its lines are stored.
      const chatty = engine.trigger('chatty', { actor: 'cli' });
      await within(
        engine.events.waitFor('run:log', (e) => e.run_id === chatty.id && e.lines.length > 0),
        15_000,
        'the chatty job to log',
      );

      // The disk fills up: the next write fails and the engine enters its storage problem.
      const problem = engine.events.waitFor('health:change', (h) => h.storage !== null);
      disk.fill();
      const during = await within(problem, 15_000, 'the storage problem to show in health');
      expect(during.overall).toBe('failing');
      expect(during.storage).toMatchObject({ path: expect.stringContaining(disk.dataDir) as string });
      expect(['SQLITE_FULL', 'ENOSPC']).toContain(during.storage?.code);
      expect(typeof during.storage?.free_bytes).toBe('number');
      expect(alerts.filter((a) => a.kind === 'storage')).toHaveLength(1);

      // The API shows it, and refuses a new run with 507 naming the path.
      const health = (await (await api('GET', '/api/health')).json()) as HealthSnapshot;
      expect(health).toMatchObject({ overall: 'failing', storage: { path: during.storage?.path } });
      const refused = await api('POST', '/api/jobs/manual/runs');
      expect(refused.status).toBe(507);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('storage_full');
      expect(body.error.message).toContain(during.storage?.path);
      expect(await (await api('GET', '/metrics')).text()).toMatch(/^jobtray_storage_problem 1$/m);

      // Scheduled fires are held, and the chatty job's lines dropped and counted.
      await within(
        engine.events.waitFor('health:change', (h) => (h.storage?.held_fires ?? 0) >= 2),
        15_000,
        'two held fires of the every-1s job',
      );
      await eventually(
        () => (engine.health().storage?.dropped_log_lines ?? 0) > 0,
        'the chatty job to have lines dropped',
        15_000,
      );
      expect(engine.getRun(chatty.id).state).toBe('running');

      // Space returns: the engine notices by itself within seconds.
      const recovered = engine.events.waitFor('health:change', (h) => h.storage === null);
      disk.free();
      const after = await within(recovered, 15_000, 'the storage problem to end');
      expect(after.overall).not.toBe('failing');
      expect(alerts.map((a) => a.kind).filter((k) => k.startsWith('storage'))).toEqual([
        'storage',
        'storage_recovered',
      ]);
      const heldTotal = Math.max(...storageStates.map((s) => s?.held_fires ?? 0));
      expect(heldTotal).toBeGreaterThanOrEqual(2);

      // The chatty run ends normally, with the count of its dropped lines recorded.
      const chattyDone = engine.events.waitFor('run:state', (r) => r.id === chatty.id && r.state !== 'running');
      fs.writeFileSync(stopFile, '');
      const chattyRun = await within(chattyDone, 15_000, 'the chatty run to end');
      expect(chattyRun.state).toBe('succeeded');
      const messages = engine.getRunLogs(chatty.id, { limit: 5_000 }).lines.map((l) => l.message);
      const dropped = messages.find((m) => / log lines? dropped: disk full$/.test(m));
      expect(dropped, 'a line saying how many log lines were dropped').toBeDefined();
      expect(messages.at(-1)).toBe('finished');

      // New runs start again: an API trigger and the next scheduled fire succeed.
      const accepted = await api('POST', '/api/jobs/manual/runs');
      expect(accepted.status).toBe(202);
      const { run_id } = (await accepted.json()) as { run_id: number };
      const manualDone =
        engine.getRun(run_id).state === 'succeeded'
          ? Promise.resolve(engine.getRun(run_id))
          : engine.events.waitFor('run:state', (r) => r.id === run_id && r.state === 'succeeded');
      await within(manualDone, 15_000, 'the manual run to succeed');
      await within(
        engine.events.waitFor('run:state', (r: RunRecord) => r.job_id === 'ticker' && r.state === 'succeeded'),
        15_000,
        'a scheduled run to succeed',
      );
      expect((await api('GET', '/api/health')).status).toBe(200);

      await closeHost();
      const sleepPid = Number(fs.readFileSync(sleepPidFile, 'utf8'));
      expect(isAlive(sleepPid), "the chatty job's sleep grandchild").toBe(false);

      // The file is intact and every run is accounted for.
      const db = new Database(path.join(disk.dataDir, 'jobtray.db'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const left = db.prepare("SELECT id, job_id, state FROM runs WHERE state IN ('queued', 'running')").all();
        expect(left, 'runs left queued or running').toEqual([]);
        // A skipped fire of the every-1s job is either held (disk full) or an overlap with its previous run.
        const skipped = db
          .prepare("SELECT reason FROM runs WHERE job_id = 'ticker' AND state = 'skipped'")
          .pluck()
          .all() as string[];
        const held = skipped.filter((reason) => reason.startsWith('disk full: '));
        expect(held).toHaveLength(heldTotal);
        for (const reason of held) expect(reason).toMatch(/^disk full: cannot write to .*; the run was not started$/);
        for (const reason of skipped.filter((r) => !held.includes(r))) expect(reason).toMatch(/^overlap: /);
        expect(db.prepare('SELECT state FROM runs WHERE id = ?').pluck().get(chatty.id)).toBe('succeeded');
      } finally {
        db.close();
      }
      expect(fs.existsSync(path.join(disk.dataDir, 'api.json'))).toBe(false);
    },
  );
});
