import fs from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm start`: the tray app where Electron can run, the headless host
 * everywhere else. Deciding never hangs: every fact is a file check, except
 * whether a missing Electron binary can be downloaded, which is one HEAD
 * request to the download host bounded by PROBE_TIMEOUT_MS (an HTTP answer,
 * not a TCP connection: transparent proxies accept connections to anywhere). `electron`'s own entry is never
 * required: it starts a download, and prints a stack trace when that fails.
 */

/** How long the download host may take to accept a connection. */
export const PROBE_TIMEOUT_MS = 1_500;

export interface StartFacts {
  /** The installed `electron` package, or null. */
  electron: { dir: string; version: string } | null;
  /** Where its binary is (or will be once downloaded). */
  electronBinary: string | null;
  electronBinaryExists: boolean;
  /** The download of the binary is in @electron/get's cache (installs offline). */
  electronCached: boolean;
  /** The desktop app's main entry and preload are built. */
  appBuilt: boolean;
  /** better-sqlite3 is built for Electron's ABI (scripts/build-electron-native.ts). */
  nativeBuilt: boolean;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

/** What first-run preparation found (start.ts fills it in after trying). */
export interface Preparation {
  /** The download host answered (null: not probed). */
  downloadReachable: boolean | null;
  /** A step was tried and failed: its one-line reason. */
  failed: string | null;
}

export type StartMode =
  | { mode: 'electron'; binary: string }
  | { mode: 'headless'; reason: string }
  /** Try these first-run steps, then decide again with what they left. */
  | { mode: 'prepare'; steps: PrepareStep[] };
export type PrepareStep = 'fetch-electron' | 'build-native';

export function chooseStartMode(facts: StartFacts, prepared: Preparation | null = null): StartMode {
  if (facts.env.JOBTRAY_HEADLESS === '1') return { mode: 'headless', reason: 'JOBTRAY_HEADLESS=1 is set' };
  if (facts.platform === 'linux' && !facts.env.DISPLAY && !facts.env.WAYLAND_DISPLAY) {
    return { mode: 'headless', reason: 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)' };
  }
  if (!facts.electron || !facts.electronBinary)
    return { mode: 'headless', reason: 'the Electron runtime is not installed on this machine' };
  if (!facts.appBuilt) return { mode: 'headless', reason: 'the desktop app has not been built' };
  if (prepared?.failed) return { mode: 'headless', reason: prepared.failed };
  if (!facts.electronBinaryExists && prepared?.downloadReachable === false) {
    return {
      mode: 'headless',
      reason: `the Electron runtime is not downloaded and ${new URL(downloadOrigin(facts.env)).host} cannot be reached`,
    };
  }
  const steps: PrepareStep[] = [];
  if (!facts.electronBinaryExists) steps.push('fetch-electron');
  if (!facts.nativeBuilt) steps.push('build-native');
  if (steps.length > 0) {
    return prepared
      ? { mode: 'headless', reason: `first-run setup did not finish (${steps.join(', ')})` }
      : { mode: 'prepare', steps };
  }
  return { mode: 'electron', binary: facts.electronBinary };
}

/** Where the binary comes from: ELECTRON_MIRROR's origin, else GitHub's. */
export function downloadOrigin(env: NodeJS.ProcessEnv): string {
  const mirror = env.ELECTRON_MIRROR ?? env.npm_config_electron_mirror;
  if (mirror) {
    try {
      const url = new URL(mirror);
      if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
    } catch {
      // not a URL: the default host is what @electron/get falls back to
    }
  }
  return 'https://github.com';
}

/** The binary's path inside the package: what its install script writes to path.txt. */
export function electronBinaryPath(electronDir: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  let executable: string;
  try {
    executable = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8');
  } catch {
    executable =
      platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : platform === 'win32'
          ? 'electron.exe'
          : 'electron';
  }
  return env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, executable)
    : path.join(electronDir, 'dist', executable);
}

/** @electron/get's cache folder (its default per OS, or `electron_config_cache`). */
function electronCacheRoot(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (env.electron_config_cache) return env.electron_config_cache;
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'electron');
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'electron', 'Cache');
  return path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'electron');
}

/** The zip of this version is in the cache (one folder per download URL). */
function isCached(cacheRoot: string, version: string, platform: NodeJS.Platform): boolean {
  const zip = `electron-v${version}-${platform}-${process.arch}.zip`;
  try {
    return fs
      .readdirSync(cacheRoot, { withFileTypes: true })
      .some((entry) => entry.isDirectory() && fs.existsSync(path.join(cacheRoot, entry.name, zip)));
  } catch {
    return false;
  }
}

/** The `electron` package as installed beside `root`, read from its package.json (never its entry). */
function installedElectron(root: string): StartFacts['electron'] {
  try {
    const manifest = createRequire(path.join(root, 'package.json')).resolve('electron/package.json');
    return {
      dir: path.dirname(manifest),
      version: (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version,
    };
  } catch {
    return null;
  }
}

/** Reads the facts from this machine: file checks only. */
export function startFacts(
  root: string,
  nativeBinding: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): StartFacts {
  const electron = installedElectron(root);
  const electronBinary = electron ? electronBinaryPath(electron.dir, platform, env) : null;
  return {
    electron,
    electronBinary,
    electronBinaryExists: electronBinary !== null && fs.existsSync(electronBinary),
    electronCached:
      electron !== null && isCached(electronCacheRoot(env, platform, os.homedir()), electron.version, platform),
    appBuilt:
      fs.existsSync(path.join(root, 'dist', 'main', 'electron', 'main.js')) &&
      fs.existsSync(path.join(root, 'dist', 'preload', 'preload.cjs')),
    nativeBuilt: fs.existsSync(nativeBinding),
    platform,
    env,
  };
}

/** Whether `origin` answers a HEAD request (any status) within `timeoutMs`; never throws, never waits longer. */
export function probeOrigin(origin: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL(origin);
    const request = (url.protocol === 'http:' ? http : https).request(url, { method: 'HEAD' });
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      request.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    request.once('response', (response) => {
      response.resume();
      done(true);
    });
    request.once('error', () => done(false));
    request.end();
  });
}
