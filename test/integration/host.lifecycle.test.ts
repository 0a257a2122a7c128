import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHost } from '../../main/host/host.js';
import { discoveryPath } from '../../main/host/discovery.js';
import { LOCK_FILE } from '../../main/host/lock.js';
import { eventually, isAlive, makeDataDir, writeFiles } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';

const JOBS = `
jobs:
  - id: sleeper
    command: [sh, -c, 'sleep 1000 & echo "pids $$ $!"; wait']
  - id: quick
    command: [sh, -c, 'echo hi']
`;

async function host(dataDir: string) {
  const h = await startHost({ dataDir, port: 0, staticDir: null, watch: false, settings: { kill_grace_ms: 300 } });
  let open = true;
  track({
    name: `host ${dataDir}`,
    isOpen: () => open,
    close: async () => {
      open = false;
      await h.close();
    },
  });
  return {
    h,
    close: async () => {
      open = false;
      await h.close();
    },
  };
}

describe('headless host', () => {
  it('serves the API with the token, writes discovery, refuses a second host on the same data dir', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const { h, close } = await host(dataDir);
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(h.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    expect(h.loginUrl).not.toContain('?');
    const discovery = JSON.parse(fs.readFileSync(discoveryPath(dataDir), 'utf8'));
    expect(discovery).toMatchObject({ url: h.url, pid: process.pid });
    const res = await fetch(`${h.url}/api/health`, { headers: { authorization: `Bearer ${discovery.token}` } });
    expect(res.status).toBe(200);
    expect((await fetch(`${h.url}/api/health`)).status).toBe(401);
    await expect(startHost({ dataDir, port: 0, staticDir: null, watch: false })).rejects.toThrow(
      /already running on .*Local API at http:\/\/127\.0\.0\.1/,
    );
    await close();
    expect(fs.existsSync(discoveryPath(dataDir))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    // the data dir is free again
    const again = await host(dataDir);
    await again.close();
  });

  it('shuts down cleanly: running command jobs stopped through the kill path, nothing left behind', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const { h, close } = await host(dataDir);
    const run = h.engine.trigger('sleeper', { actor: 'api' });
    const pids = await eventually(() => {
      const line = h.engine.getRunLogs(run.id).lines.find((l) => l.message.startsWith('pids '));
      return line?.message.split(' ').slice(1).map(Number);
    }, 'the job to print its pids');
    await close();
    await eventually(() => pids.every((p) => !isAlive(p)), 'the job processes to be gone', 3000);
    const { h: again, close: closeAgain } = await host(dataDir);
    expect(again.engine.getRun(run.id).state).toBe('interrupted');
    await closeAgain();
  });

  it('says clearly when the port is taken', async () => {
    const dataDir = makeDataDir();
    writeFiles(dataDir, { 'jobs.yaml': JOBS });
    const { h, close } = await host(dataDir);
    const port = Number(new URL(h.url).port);
    const other = makeDataDir();
    writeFiles(other, { 'jobs.yaml': JOBS });
    await expect(startHost({ dataDir: other, port, staticDir: null, watch: false })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use`,
    );
    // nothing of the failed host stays behind: its data dir can be used at once
    const second = await host(other);
    await second.close();
    await close();
  });
});
