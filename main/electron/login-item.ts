import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app } from 'electron';
import { HIDDEN_ARG, autostartDesktopFile, autostartPath, autostartProgram } from '../desktop/autostart.js';

export interface LoginItem {
  get(): boolean;
  set(enabled: boolean): void;
  /** This launch was the one at login: start to the tray, without the window. */
  launchedAtLogin(argv: readonly string[]): boolean;
}

/**
 * Start at login: setLoginItemSettings on macOS and Windows; on Linux, where
 * it does nothing, an XDG autostart entry (autostart.ts) that starts
 * `$APPIMAGE` when running as an AppImage.
 */
export function setupLoginItem(platform: NodeJS.Platform): LoginItem {
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    const file = autostartPath(process.env, os.homedir());
    return {
      get: () => fs.existsSync(file),
      set(enabled) {
        if (!enabled) {
          fs.rmSync(file, { force: true });
          return;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, autostartDesktopFile(autostartProgram(process.env, process.execPath)));
      },
      launchedAtLogin: (argv) => argv.includes(HIDDEN_ARG),
    };
  }
  return {
    get: () => app.getLoginItemSettings().openAtLogin,
    set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] }),
    launchedAtLogin: (argv) =>
      argv.includes(HIDDEN_ARG) || (platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin),
  };
}
