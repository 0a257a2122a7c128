import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import asar from '@electron/asar';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_STATUSES } from '../../contract/health-status.js';
import { APP_ID, nativeBuildDir } from '../../main/desktop/desktop-paths.js';
import { trayIconFile } from '../../main/desktop/tray-icon.js';

/**
 * electron-builder's Linux `--dir` target on a copy of the project, with a
 * stand-in Electron distribution (`electronDist`: a fake binary, since the real
 * one cannot be downloaded here) and `npmRebuild: false`; then the app's
 * layout is read back: what main/desktop/desktop-paths.ts expects must be
 * where it looks. Bounded: two Vite builds and one packaging, about a minute.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const STEP_TIMEOUT_MS = 150_000;

let work: string;
let resources: string;
let config: Record<string, unknown>;

/** Runs electron-builder in a child process (it installs exit hooks) and writes the effective config from its afterPack hook. */
const RUNNER = `
import fs from 'node:fs';
import { Arch, Platform, build } from ${JSON.stringify(path.join(ROOT, 'node_modules', 'electron-builder', 'out', 'index.js'))};
const [projectDir, electronDist, output, configOut] = process.argv.slice(2);
await build({
  projectDir,
  publish: 'never',
  targets: Platform.LINUX.createTarget('dir', Arch.x64),
  config: {
    electronDist,
    npmRebuild: false,
    // The stand-in binary has no fuse sentinel to flip; the fuses of the real build are checked in the file below.
    electronFuses: null,
    directories: { output },
    afterPack: (context) => fs.writeFileSync(configOut, JSON.stringify(context.packager.config)),
  },
});
`;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-pack-'));
  const project = path.join(work, 'project');
  const dist = path.join(project, 'dist');
  fs.mkdirSync(dist, { recursive: true });
  for (const file of ['package.json', 'electron-builder.yml'])
    fs.copyFileSync(path.join(ROOT, file), path.join(project, file));
  // The compiled main process, contract and worker (the test run's global setup built them).
  for (const dir of ['main', 'contract', 'workers'])
    fs.cpSync(path.join(ROOT, 'dist', dir), path.join(dist, dir), { recursive: true });
  fs.cpSync(path.join(ROOT, 'resources'), path.join(project, 'resources'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  // Stand-in for scripts/build-electron-native.ts's output (it needs Electron's headers from the network).
  const native = path.join(project, nativeBuildDir('linux', 'x64'));
  fs.mkdirSync(native, { recursive: true });
  fs.copyFileSync(
    path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    path.join(native, 'better_sqlite3.node'),
  );

  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const viteBuild = (configFile: string, outDir: string) =>
    run(
      process.execPath,
      [vite, 'build', '--config', configFile, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: ROOT, timeout: STEP_TIMEOUT_MS },
    );
  await viteBuild('main/electron/preload.vite.config.ts', path.join(dist, 'preload'));
  await viteBuild('renderer/vite.config.ts', path.join(dist, 'renderer'));

  const electronDist = path.join(work, 'electron-dist');
  fs.mkdirSync(path.join(electronDist, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(electronDist, 'locales'));
  fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in Electron"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(electronDist, 'version'), '44.11.5');

  fs.writeFileSync(path.join(work, 'runner.mjs'), RUNNER);
  const configOut = path.join(work, 'effective-config.json');
  await run(
    process.execPath,
    [path.join(work, 'runner.mjs'), project, electronDist, path.join(work, 'release'), configOut],
    { cwd: project, timeout: STEP_TIMEOUT_MS },
  );
  resources = path.join(work, 'release', 'linux-unpacked', 'resources');
  config = JSON.parse(fs.readFileSync(configOut, 'utf8')) as Record<string, unknown>;
}, 4 * STEP_TIMEOUT_MS);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('packaged app layout (electron-builder --dir, Linux)', () => {
  it('app.asar holds the main entry (package.json "main"), the preload bundle and the dashboard; no CLI, no source maps', () => {
    const files = asar.listPackage(path.join(resources, 'app.asar'), { isPack: false });
    const expected = [
      '/package.json',
      '/dist/main/electron/main.js',
      '/dist/preload/preload.cjs',
      '/dist/renderer/index.html',
      '/resources/jobs/demo-params.mjs',
    ];
    expect(expected.filter((file) => !files.includes(file))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(resources, 'app.asar.unpacked', 'package.json'), 'utf8')) as {
      main: string;
      type: string;
    };
    expect(pkg).toMatchObject({ main: 'dist/main/electron/main.js', type: 'module' });
    expect(files.filter((file) => file.startsWith('/dist/main/cli/') || file.endsWith('.map'))).toEqual([]);
    expect(files.some((file) => file.startsWith('/node_modules/better-sqlite3/'))).toBe(true);
  });

  it('the workers and the log writer, every file they import, package.json and better_sqlite3.node are in app.asar.unpacked', () => {
    const unpacked = path.join(resources, 'app.asar.unpacked');
    expect(
      fs.existsSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')),
    ).toBe(true);
    // Follow the worker's relative imports: a worker thread loads them from the unpacked folder.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      expect(fs.existsSync(file), `${path.relative(unpacked, file)} is unpacked`).toBe(true);
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g))
        visit(path.resolve(path.dirname(file), spec!));
    };
    visit(path.join(unpacked, 'dist', 'workers', 'run-job.js'));
    // The command supervisor and the log writer's thread open the run store.
    visit(path.join(unpacked, 'dist', 'workers', 'command-supervisor.js'));
    visit(path.join(unpacked, 'dist', 'main', 'engine', 'log-writer-thread.js'));
    expect([...seen].map((file) => path.relative(unpacked, file))).toEqual(
      expect.arrayContaining([
        'dist/workers/run-job.js',
        'dist/workers/command-supervisor.js',
        'dist/contract/worker-protocol.js',
        'dist/contract/errors.js',
        'dist/main/engine/store/index.js',
        'dist/main/engine/store/packed-logs.js',
      ]),
    );
  });

  it('resources/ holds the tray icon of every state per OS, the app icon, the demo jobs and the Electron-ABI binding', () => {
    for (const status of HEALTH_STATUSES) {
      for (const platform of ['linux', 'darwin', 'win32'] as const)
        expect(
          fs.existsSync(path.join(resources, 'icons', trayIconFile(status, platform))),
          `${status} ${platform}`,
        ).toBe(true);
    }
    expect(fs.existsSync(path.join(resources, 'icons', 'app', '512x512.png'))).toBe(true);
    expect(fs.existsSync(path.join(resources, 'jobs.yaml'))).toBe(true);
    expect(fs.readdirSync(path.join(resources, 'jobs'))).toEqual(
      expect.arrayContaining(['demo-failing.mjs', 'demo-params.mjs']),
    );
    expect(fs.existsSync(path.join(resources, 'native', 'better_sqlite3.node'))).toBe(true);
  });

  it('the effective config: the three OS targets, appId, per-user NSIS, LSUIElement, libnotify, no npm rebuild', () => {
    const targets = (os: string) =>
      ((config[os] as { target: (string | { target: string })[] }).target ?? []).map((t) =>
        typeof t === 'string' ? t : t.target,
      );
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('win')).toEqual(['nsis']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(config).toMatchObject({
      appId: APP_ID,
      productName: 'Jobtray',
      npmRebuild: false,
      nsis: { perMachine: false, oneClick: true, createStartMenuShortcut: true },
      mac: { extendInfo: { LSUIElement: true } },
      deb: { depends: expect.arrayContaining(['libnotify4']) },
      asarUnpack: expect.arrayContaining(['dist/workers/**', '**/*.node']),
    });
    // deb needs both; electron-builder reads them from package.json.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      author?: { email?: string };
      homepage?: string;
    };
    expect(pkg.author?.email).toMatch(/@/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    // The fuses of the real build (overridden above for the stand-in binary): runAsNode stays on for `node` command jobs.
    const file = parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
      electronFuses: Record<string, boolean>;
    };
    expect(file.electronFuses.runAsNode).toBe(true);
  });
});
