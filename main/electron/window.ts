import fs from 'node:fs';
import path from 'node:path';
import { BrowserWindow, app, screen, shell } from 'electron';
import { APP_ENTRY_URL, externalLinkTarget, isAppUrl } from '../desktop/app-protocol.js';
import { dashboardHash, type WindowTarget } from '../desktop/deep-link.js';
import { MIN_SIZE, parseWindowState, windowBoundsFor, type WindowState } from '../desktop/window-bounds.js';
import type { Logger } from '../engine/logger.js';

export interface WindowOptions {
  preload: string;
  icon: string | null;
  /** Where the size and position are remembered. */
  stateFile: string;
  logger: Logger;
  /** Closing hides the window, unless the app is quitting. */
  isQuitting(): boolean;
}

export interface AppWindow {
  /** Shows the window (creating it when needed), at `target` when given. */
  open(target?: WindowTarget): void;
  /** The window's webContents.send, when a window exists (IPC events). */
  send(channel: string, payload: unknown): void;
}

/**
 * The dashboard window: loaded from `app://jobtray/`, sandboxed, context
 * isolated, no Node; navigation away is prevented and new windows are denied
 * (http(s) links open in the browser). Closing hides it to the tray; its
 * bounds are remembered. On macOS the app has no Dock icon (LSUIElement) while
 * the window is hidden, and one while it shows.
 */
export function setupWindow(options: WindowOptions): AppWindow {
  let window: BrowserWindow | null = null;

  const readState = (): WindowState | null => {
    try {
      return parseWindowState(JSON.parse(fs.readFileSync(options.stateFile, 'utf8')));
    } catch {
      return null;
    }
  };
  const saveState = (win: BrowserWindow) => {
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    try {
      fs.mkdirSync(path.dirname(options.stateFile), { recursive: true });
      fs.writeFileSync(options.stateFile, JSON.stringify(state));
    } catch (error) {
      options.logger.warn('window state not saved', error);
    }
  };

  function create(hash: string): BrowserWindow {
    const { bounds, maximized } = windowBoundsFor(
      readState(),
      screen.getAllDisplays().map((display) => display.workArea),
    );
    const win = new BrowserWindow({
      ...bounds,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: 'Jobtray',
      ...(options.icon ? { icon: options.icon } : {}),
      webPreferences: {
        preload: options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    if (maximized) win.maximize();
    win.webContents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (externalLinkTarget(url) === 'browser') void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('render-process-gone', (_event, details) => {
      options.logger.error(`the window's renderer is gone (${details.reason}); reloading`);
      win.reload();
    });
    win.on('close', (event) => {
      saveState(win);
      if (options.isQuitting()) return;
      event.preventDefault();
      win.hide();
    });
    win.on('hide', () => app.dock?.hide());
    win.on('show', () => void app.dock?.show());
    win.on('closed', () => {
      if (window === win) window = null;
    });
    void win.loadURL(`${APP_ENTRY_URL}${hash}`);
    return win;
  }

  return {
    open(target) {
      const hash = target ? dashboardHash(target) : '';
      if (!window) {
        window = create(hash);
      } else if (hash) {
        // The router follows the hash: no reload, the stores stay filled.
        void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`);
      }
      const win = window;
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    },
    send(channel, payload) {
      if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
    },
  };
}
