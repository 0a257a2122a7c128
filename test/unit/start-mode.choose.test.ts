import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import {
  chooseStartMode,
  downloadOrigin,
  electronBinaryPath,
  probeOrigin,
  startFacts,
  type StartFacts,
} from '../../main/host/start-mode.js';

const desktop: StartFacts = {
  electron: { dir: '/x/node_modules/electron', version: '44.11.5' },
  electronBinary: '/x/node_modules/electron/dist/electron',
  electronBinaryExists: true,
  electronCached: false,
  appBuilt: true,
  nativeBuilt: true,
  platform: 'linux',
  env: { DISPLAY: ':0' },
};

describe('chooseStartMode', () => {
  it('starts Electron only with a runtime, a display, a built app and the Electron-ABI sqlite', () => {
    expect(chooseStartMode(desktop)).toEqual({ mode: 'electron', binary: desktop.electronBinary });
    expect(chooseStartMode({ ...desktop, platform: 'darwin', env: {} }).mode).toBe('electron');
    expect(chooseStartMode({ ...desktop, env: { WAYLAND_DISPLAY: 'wayland-0' } }).mode).toBe('electron');
  });

  it('falls back to the headless host and says why in one line', () => {
    expect(chooseStartMode({ ...desktop, electron: null, electronBinary: null, electronBinaryExists: false })).toEqual({
      mode: 'headless',
      reason: 'the Electron runtime is not installed on this machine',
    });
    expect(chooseStartMode({ ...desktop, env: {} })).toEqual({
      mode: 'headless',
      reason: 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)',
    });
    expect(chooseStartMode({ ...desktop, appBuilt: false })).toEqual({
      mode: 'headless',
      reason: 'the desktop app has not been built',
    });
    expect(chooseStartMode({ ...desktop, env: { DISPLAY: ':0', JOBTRAY_HEADLESS: '1' } })).toEqual({
      mode: 'headless',
      reason: 'JOBTRAY_HEADLESS=1 is set',
    });
  });

  it('a missing binary or native build is first-run preparation; after it, what is still missing is the reason', () => {
    const missing = { ...desktop, electronBinaryExists: false, nativeBuilt: false };
    expect(chooseStartMode(missing)).toEqual({ mode: 'prepare', steps: ['fetch-electron', 'build-native'] });
    expect(chooseStartMode({ ...desktop, nativeBuilt: false })).toEqual({ mode: 'prepare', steps: ['build-native'] });
    expect(chooseStartMode(missing, { downloadReachable: false, failed: null })).toEqual({
      mode: 'headless',
      reason: 'the Electron runtime is not downloaded and github.com cannot be reached',
    });
    expect(
      chooseStartMode(
        { ...missing, env: { DISPLAY: ':0', ELECTRON_MIRROR: 'https://mirror.example:8443/electron/' } },
        { downloadReachable: false, failed: null },
      ),
    ).toMatchObject({
      reason: expect.stringContaining('mirror.example:8443 cannot be reached'),
    });
    expect(
      chooseStartMode(missing, {
        downloadReachable: true,
        failed: 'the Electron runtime could not be downloaded (ECONNRESET)',
      }),
    ).toEqual({
      mode: 'headless',
      reason: 'the Electron runtime could not be downloaded (ECONNRESET)',
    });
    expect(chooseStartMode(missing, { downloadReachable: true, failed: null })).toMatchObject({
      mode: 'headless',
      reason: expect.stringContaining('first-run setup did not finish'),
    });
    expect(chooseStartMode(desktop, { downloadReachable: true, failed: null })).toEqual({
      mode: 'electron',
      binary: desktop.electronBinary,
    });
  });

  it('downloadOrigin: the mirror’s origin, else GitHub', () => {
    expect(downloadOrigin({})).toBe('https://github.com');
    expect(downloadOrigin({ ELECTRON_MIRROR: 'not a url' })).toBe('https://github.com');
    expect(downloadOrigin({ ELECTRON_MIRROR: 'file:///mirror' })).toBe('https://github.com');
    expect(downloadOrigin({ npm_config_electron_mirror: 'https://npmmirror.example/electron/' })).toBe(
      'https://npmmirror.example',
    );
  });
});

describe('startFacts', () => {
  it('reads the electron package without requiring it (which would start a download)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-start-'));
    const electronDir = path.join(root, 'node_modules', 'electron');
    fs.mkdirSync(electronDir, { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.writeFileSync(
      path.join(electronDir, 'package.json'),
      JSON.stringify({ name: 'electron', version: '44.11.5', main: 'index.js' }),
    );
    // An entry that would throw if loaded: startFacts must not load it.
    fs.writeFileSync(path.join(electronDir, 'index.js'), 'throw new Error("downloading…")');
    const facts = startFacts(root, path.join(root, 'missing.node'), { DISPLAY: ':0' }, 'linux');
    expect(facts).toMatchObject({
      electron: { dir: electronDir, version: '44.11.5' },
      electronBinary: path.join(electronDir, 'dist', 'electron'),
      electronBinaryExists: false,
      appBuilt: false,
      nativeBuilt: false,
    });
    expect(startFacts(os.tmpdir(), 'x', {}, 'linux')).toMatchObject({ electron: null, electronBinary: null });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('the binary path per OS, or from path.txt and ELECTRON_OVERRIDE_DIST_PATH', () => {
    expect(electronBinaryPath('/e', 'darwin', {})).toBe('/e/dist/Electron.app/Contents/MacOS/Electron');
    expect(electronBinaryPath('/e', 'win32', {})).toBe(path.join('/e', 'dist', 'electron.exe'));
    expect(electronBinaryPath('/e', 'linux', { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' })).toBe(
      '/opt/electron/electron',
    );
  });
});

describe('probeOrigin', () => {
  it('an answering host is reachable; a closed port fails at once; one that accepts and never answers is bounded by the timeout', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    expect(await probeOrigin(`http://127.0.0.1:${port}`)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));

    let started = Date.now();
    expect(await probeOrigin(`http://127.0.0.1:${port}`)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);

    // Accepts the connection (as a transparent proxy does) and says nothing.
    const silent = net.createServer(() => {});
    const sockets = new Set<net.Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    started = Date.now();
    expect(await probeOrigin(`https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
