import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { makeTestEngine } from '../helpers/engine.js';

/**
 * `npm start` where Electron cannot run (these machines): `node dist/main/start.js`
 * as a real child. It decides quickly, says why in one line, prints no stack
 * trace, and runs the headless host.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START = path.join(ROOT, 'dist', 'main', 'start.js');

beforeAll(async () => {
  // The decision looks at the built preload; the rest of dist/ is the test run's build.
  await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'main/electron/preload.vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, timeout: 120_000 },
  );
}, 150_000);

/** A data dir whose Local API listens on any free port (the stored setting), so parallel tests never collide. */
async function dataDirOnAnyPort(): Promise<string> {
  const { engine, dataDir } = await makeTestEngine({ jobs: 'jobs: []\n' });
  engine.updateSettings({ api_port: 0 }, 'cli');
  await engine.close();
  return dataDir;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function runStart(env: NodeJS.ProcessEnv) {
  const dataDir = await dataDirOnAnyPort();
  const started = Date.now();
  const start = spawnCli([], { HOME: process.env.HOME, JOBTRAY_DATA_DIR: dataDir, ...env }, START);
  const [decision] = await start.waitForStdout(/^Jobtray: .*; running the headless host instead.*$/m, 10_000);
  const decidedInMs = Date.now() - started;
  await start.waitForStdout(/^Local API: http:\/\/127\.0\.0\.1:\d+/m);
  start.child.kill('SIGTERM');
  const { code } = await start.exitedWithin(15_000);
  return { decision, decidedInMs, code, output: `${start.stdout()}\n${start.stderr()}` };
}

describe('npm start where Electron cannot run', () => {
  it('no display: says so in one line and runs the headless host', async () => {
    const { decision, code, output } = await runStart({});
    expect(decision).toBe(
      'Jobtray: there is no display (DISPLAY / WAYLAND_DISPLAY unset); running the headless host instead (dashboard in your browser).',
    );
    expect(code).toBe(0);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('a display but no Electron binary and no way to fetch it: detected fast, one line, no stack trace', async () => {
    const port = await closedPort();
    const noBinary = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-no-electron-'));
    const { decision, decidedInMs, code, output } = await runStart({
      DISPLAY: ':99',
      // Where the binary would be (empty) and where it would come from (nothing listens there).
      ELECTRON_OVERRIDE_DIST_PATH: noBinary,
      ELECTRON_MIRROR: `http://127.0.0.1:${port}/electron/`,
      electron_config_cache: noBinary,
    });
    expect(decision).toBe(
      `Jobtray: the Electron runtime is not downloaded and 127.0.0.1:${port} cannot be reached; running the headless host instead (dashboard in your browser).`,
    );
    // Node's start-up and imports included; the probe itself is bounded by PROBE_TIMEOUT_MS.
    expect(decidedInMs).toBeLessThan(5_000);
    expect(code).toBe(0);
    expect(output).not.toMatch(/^\s+at |Error:|Downloading Electron/m);
    fs.rmSync(noBinary, { recursive: true, force: true });
  });

  it('a download host that answers but has no binary: the failed download is one line, no stack trace', async () => {
    const mirror = http.createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const { port } = mirror.address() as net.AddressInfo;
    const noBinary = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-no-electron-'));
    try {
      const { decision, code, output } = await runStart({
        DISPLAY: ':99',
        ELECTRON_OVERRIDE_DIST_PATH: noBinary,
        ELECTRON_MIRROR: `http://127.0.0.1:${port}/electron/`,
        electron_config_cache: noBinary,
      });
      expect(decision).toMatch(
        /^Jobtray: the Electron runtime could not be downloaded \(.+\); running the headless host instead/,
      );
      expect(output).toContain('Jobtray: downloading the Electron runtime');
      expect(code).toBe(0);
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise<void>((resolve) => mirror.close(() => resolve()));
      fs.rmSync(noBinary, { recursive: true, force: true });
    }
  });
});
