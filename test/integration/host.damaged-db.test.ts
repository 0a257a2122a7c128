import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHost } from '../../main/host/host.js';
import { spawnCli } from '../helpers/cli.js';
import { makeDataDir, waitForRun, writeFiles } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';

const JOBS = 'jobs:\n  - id: quick\n    command: [sh, -c, "echo hi"]\n';
const GARBAGE = Buffer.alloc(16_384, 0x5a);

/** A data dir whose jobtray.db (and -wal, -shm) are garbage bytes. */
function damagedDataDir(): { dataDir: string; db: string } {
  const dataDir = makeDataDir();
  writeFiles(dataDir, { 'jobs.yaml': JOBS });
  const db = path.join(dataDir, 'jobtray.db');
  fs.writeFileSync(db, GARBAGE);
  fs.writeFileSync(`${db}-wal`, 'not a wal');
  fs.writeFileSync(`${db}-shm`, 'not a shm');
  return { dataDir, db };
}

/** A host started with --move-damaged-db, registered with the leak check. */
async function trackedHost(dataDir: string) {
  const host = await startHost({ dataDir, port: 0, staticDir: null, watch: false, moveDamagedDb: true });
  let open = true;
  track({ name: `host ${dataDir}`, isOpen: () => open, close: () => host.close() });
  return { ...host, close: () => ((open = false), host.close()) };
}

describe('host on a damaged database', () => {
  it('jobtray serve refuses it, naming the file and the two ways on, and leaves it untouched', async () => {
    const { dataDir, db } = damagedDataDir();
    const serve = spawnCli(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(await serve.exitedWithin(15_000)).toEqual({ code: 1, signal: null });
    const stderr = serve.stderr();
    expect(stderr).toContain(
      `error: Jobtray cannot open its database: the database ${db} is damaged (file is not a database).`,
    );
    expect(stderr).toContain(`restore a backup (copy a file from ${path.join(dataDir, 'backups')} over ${db}`);
    expect(stderr).toContain('"jobtray serve --move-damaged-db"');
    expect(fs.readFileSync(db)).toEqual(GARBAGE);
    expect(fs.existsSync(path.join(dataDir, 'jobtray.lock'))).toBe(false);
  });

  it('--move-damaged-db renames the file and its -wal/-shm aside with a timestamp and starts fresh', async () => {
    const { dataDir, db } = damagedDataDir();
    const host = await trackedHost(dataDir);
    expect(host.movedDatabase?.damage).toBe('file is not a database');
    const moved = host.movedDatabase!.moved;
    expect(moved.map((m) => m.from)).toEqual([db, `${db}-wal`, `${db}-shm`]);
    const stem = moved[0]!.to;
    expect(stem).toMatch(/\/jobtray\.db\.damaged-\d{8}-\d{6}$/);
    expect(moved.map((m) => m.to)).toEqual([stem, `${stem}-wal`, `${stem}-shm`]);
    expect(fs.readFileSync(stem)).toEqual(GARBAGE);
    expect(fs.readFileSync(`${stem}-wal`, 'utf8')).toBe('not a wal');

    const run = await waitForRun(host.engine, host.engine.trigger('quick', { actor: 'api' }).id);
    expect(run).toMatchObject({ id: 1, state: 'succeeded' });
    await host.close();

    // A healthy database is never moved.
    const again = await trackedHost(dataDir);
    expect(again.movedDatabase).toBeNull();
    expect(again.engine.getRun(run.id).state).toBe('succeeded');
    await again.close();
  });
});
