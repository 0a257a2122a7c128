import fs from 'node:fs';
import { createRequire } from 'node:module';

export interface StartFacts {
  /** Path of the Electron binary the `electron` package points to, or null when the package is absent. */
  electronBinary: string | null;
  electronBinaryExists: boolean;
  /** The Electron app's main entry has been built. */
  appBuilt: boolean;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

export type StartMode = { mode: 'electron'; binary: string } | { mode: 'headless'; reason: string };

/** `npm start`: the tray app where Electron can run, the headless host everywhere else. Pure. */
export function chooseStartMode(facts: StartFacts): StartMode {
  if (facts.env.JOBTRAY_HEADLESS === '1') return { mode: 'headless', reason: 'JOBTRAY_HEADLESS=1 is set' };
  if (!facts.electronBinary || !facts.electronBinaryExists) {
    return { mode: 'headless', reason: 'the Electron runtime is not installed on this machine' };
  }
  if (facts.platform === 'linux' && !facts.env.DISPLAY && !facts.env.WAYLAND_DISPLAY) {
    return { mode: 'headless', reason: 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)' };
  }
  if (!facts.appBuilt) return { mode: 'headless', reason: 'the desktop app has not been built' };
  return { mode: 'electron', binary: facts.electronBinary };
}

/** Reads the facts from this machine. */
export function startFacts(appEntry: string): StartFacts {
  let electronBinary: string | null;
  try {
    // The `electron` package exports the binary's path; it throws when the binary was never downloaded.
    const exported: unknown = createRequire(import.meta.url)('electron');
    electronBinary = typeof exported === 'string' ? exported : null;
  } catch {
    electronBinary = null;
  }
  return {
    electronBinary,
    electronBinaryExists: electronBinary !== null && fs.existsSync(electronBinary),
    appBuilt: fs.existsSync(appEntry),
    platform: process.platform,
    env: process.env,
  };
}
