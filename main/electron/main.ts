/**
 * The desktop app's main process: thin glue between Electron and the engine.
 * Every decision is a pure function in main/desktop/ (tested with plain data);
 * each feature here is a `setupX()`, called in order from onReady().
 *
 * Before `ready`: the data dir (the same as the headless host's and the CLI's,
 * so `jobtray status` finds the app), the single-instance lock, the app://
 * scheme. Then: logs, the engine and Local API (startHost), the window, IPC,
 * tray, notifications, sleep/resume and the quit sequence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, ipcMain, powerMonitor, shell } from 'electron';
import { defaultDataDir } from '../host/data-dir.js';
import { startHost, type Host } from '../host/host.js';
import { readDiscovery } from '../host/discovery.js';
import { createOperations } from '../engine/operations.js';
import { currentNodeRuntime } from '../engine/node-command.js';
import { sendTestWebhook } from '../notify/webhooks.js';
import { isTrustedSender } from '../desktop/app-protocol.js';
import { DEEP_LINK_SCHEME, deepLinkInArgv, parseDeepLink, type WindowTarget } from '../desktop/deep-link.js';
import { APP_ID, desktopPaths } from '../desktop/desktop-paths.js';
import { registerIpc } from '../desktop/ipc-handlers.js';
import { makeQuitSequence } from '../desktop/quit-sequence.js';
import { windowIconFile } from '../desktop/tray-icon.js';
import { trayJob, type TrayAction } from '../desktop/tray-menu.js';
import { registerAppScheme, setupAppProtocol } from './app-protocol.js';
import { setupLoginItem } from './login-item.js';
import { setupLogging, type DesktopLogs } from './logging.js';
import { setupNotifications } from './notifications.js';
import { setupTray } from './tray.js';
import { setupWindow, type AppWindow } from './window.js';

/** Tray and window follow the engine's events, coalesced: a burst of job:state events is one menu rebuild. */
const TRAY_REFRESH_MS = 250;
/** The forced close may take this long once every run was SIGKILLed. */
const FORCED_CLOSE_MS = 5_000;

const dataDir = defaultDataDir();
// Data lives under userData, which is the data dir the headless host and the CLI use; Chromium's own files go below it.
app.setPath('userData', dataDir);
app.setPath('sessionData', path.join(dataDir, 'chromium'));
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

const paths = desktopPaths({
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
  platform: process.platform,
  arch: process.arch,
});
let pendingTarget: WindowTarget | null = deepLinkInArgv(process.argv);
/** Opens the window at a target, once the window exists. */
let openTarget: ((target: WindowTarget) => void) | null = null;

if (!app.requestSingleInstanceLock()) {
  // Another Jobtray owns this data dir; it was told (second-instance) and shows its window.
  app.exit(0);
} else {
  registerAppScheme();
  // macOS delivers deep links as events, possibly before ready.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    pendingTarget = parseDeepLink(url) ?? pendingTarget;
    openTarget?.(pendingTarget ?? { kind: 'dashboard' });
  });
  app.whenReady().then(onReady, (error: unknown) => fail(error));
}

function fail(error: unknown): void {
  console.error(`Jobtray could not start: ${error instanceof Error ? error.message : String(error)}`);
  app.exit(1);
}

async function onReady(): Promise<void> {
  const logs = setupLogging(path.join(dataDir, 'logs'), !app.isPackaged);
  if (process.platform === 'darwin') await setupLoginShellPath(logs);
  if (!app.isDefaultProtocolClient(DEEP_LINK_SCHEME)) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  setupAppProtocol(paths.renderer);
  const host = await setupEngine(logs).catch((error: unknown) => {
    logs.app.error('the engine could not start', error);
    throw error;
  });
  const loginItem = setupLoginItem(process.platform);
  const quit = setupQuit(host, logs);
  const window = setupWindow({
    preload: paths.preload,
    icon: iconPath(windowIconFile(process.platform)),
    stateFile: path.join(dataDir, 'window-state.json'),
    logger: logs.app,
    isQuitting: () => quit.phase !== 'running',
  });
  openTarget = (target) => window.open(target);
  app.on('second-instance', (_event, argv) => window.open(deepLinkInArgv(argv) ?? undefined));
  // Kept alive in the tray: closing the last window is not quitting.
  app.on('window-all-closed', () => {});
  setupIpc(host, window, loginItem, logs);
  const refreshTray = setupTrayFor(host, window, loginItem, () => quit.onQuit(), logs);
  setupNotificationsFor(host, window, logs);
  setupPower(host, refreshTray, logs);
  // The window opens on a normal launch: stock GNOME shows no tray without the AppIndicator extension,
  // so health must never depend on the icon alone. Started at login it stays in the tray.
  if (!loginItem.launchedAtLogin(process.argv) || pendingTarget) window.open(pendingTarget ?? undefined);
  logs.app.info(`Jobtray ${app.getVersion()} started (data: ${dataDir})`);
}

function iconPath(file: string | null): string | null {
  return file ? path.join(paths.icons, file) : null;
}

/** macOS: a Finder-launched app gets a minimal PATH; command jobs need the user's (login shell's), resolved once. */
async function setupLoginShellPath(logs: DesktopLogs): Promise<void> {
  try {
    const { default: fixPath } = await import('fix-path');
    fixPath();
  } catch (error) {
    logs.app.warn('the login shell PATH could not be read; command jobs get the default PATH', error);
  }
}

function setupEngine(logs: DesktopLogs): Promise<Host> {
  return startHost({
    dataDir,
    logger: logs.engine,
    staticDir: fs.existsSync(path.join(paths.renderer, 'index.html')) ? paths.renderer : null,
    engine: {
      workerPath: paths.worker,
      resourcesDir: paths.demoJobs,
      nativeBinding: paths.nativeBinding,
      nodeRuntime: currentNodeRuntime(process.versions, process.execPath, app.isPackaged),
    },
  });
}

function setupQuit(host: Host, logs: DesktopLogs) {
  const quit = makeQuitSequence(
    {
      closeEngine: () => host.close(),
      forceClose: () => void host.close({ force: true }),
      exit: (code) => app.exit(code),
      log: (message) => logs.app.info(message),
      setTimer: (ms, callback) => {
        const timer = setTimeout(callback, ms);
        return { clear: () => clearTimeout(timer) };
      },
    },
    { gracefulMs: host.engine.getSettings().kill_grace_ms + 10_000, forcedMs: FORCED_CLOSE_MS },
  );
  // Never app.quit() from will-quit (electron#33643): before-quit starts the sequence, which ends with app.exit().
  app.on('before-quit', (event) => quit.onQuit(event));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => quit.onQuit());
  return quit;
}

function setupIpc(
  host: Host,
  window: AppWindow,
  loginItem: ReturnType<typeof setupLoginItem>,
  logs: DesktopLogs,
): void {
  registerIpc(
    ipcMain,
    (channel, message) => window.send(channel, message),
    createOperations(host.engine, { testWebhook: sendTestWebhook }),
    {
      isAllowedSender: isTrustedSender,
      events: host.engine.events,
      desktop: {
        getStartAtLogin: () => loginItem.get(),
        setStartAtLogin: (enabled) => loginItem.set(enabled),
        localApi: () => {
          const discovery = readDiscovery(dataDir);
          return discovery ? { url: discovery.url, token: discovery.token } : null;
        },
      },
      logger: logs.app,
    },
  );
}

function setupTrayFor(
  host: Host,
  window: AppWindow,
  loginItem: ReturnType<typeof setupLoginItem>,
  quit: () => void,
  logs: DesktopLogs,
): (force?: boolean) => void {
  const { engine } = host;
  const onAction = (action: TrayAction) => {
    try {
      switch (action.kind) {
        case 'open-dashboard':
          return window.open({ kind: 'dashboard' });
        case 'open-run':
          return window.open({ kind: 'run', runId: action.runId });
        case 'open-job':
          return window.open({ kind: 'job', jobId: action.jobId });
        case 'open-run-form':
          return window.open({ kind: 'run-form', jobId: action.jobId });
        case 'run-now':
          engine.trigger(action.jobId, { actor: 'tray' });
          return;
        case 'pause-all':
          return engine.pause('tray');
        case 'resume-all':
          return engine.resume('tray');
        case 'toggle-start-at-login':
          loginItem.set(!loginItem.get());
          return refresh();
        case 'open-logs':
          void shell.openPath(path.join(dataDir, 'logs'));
          return;
        case 'quit':
          return quit();
      }
    } catch (error) {
      logs.app.warn(`tray action ${action.kind} failed`, error);
    }
  };
  const tray = setupTray({ iconsDir: paths.icons, platform: process.platform, onAction });
  let timer: NodeJS.Timeout | null = null;
  let displayOn = true;
  const refresh = () => {
    if (engine.isClosed || !displayOn) return;
    tray.update({ health: engine.health(), jobs: engine.listJobs().map(trayJob), startAtLogin: loginItem.get() });
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = null;
      refresh();
    }, TRAY_REFRESH_MS);
  };
  for (const name of ['health:change', 'job:state', 'job:removed', 'engine:paused'] as const)
    engine.events.on(name, schedule);
  refresh();
  // lock-screen / unlock-screen: only the display pauses; the engine keeps running.
  return (on = true) => {
    displayOn = on;
    if (on) refresh();
  };
}

function setupNotificationsFor(host: Host, window: AppWindow, logs: DesktopLogs): void {
  const notifications = setupNotifications({
    platform: process.platform,
    isMuted: () => host.engine.getSettings().notifications_muted,
    open: (target) => window.open(target),
    logger: logs.app,
    icon: iconPath(windowIconFile(process.platform)),
  });
  host.engine.events.on('job:alert', (alert) => notifications.onAlert(alert));
}

/** Sleep and resume: on resume the engine catches up missed slots and re-evaluates overdue deadlines at once. */
function setupPower(host: Host, display: (on: boolean) => void, logs: DesktopLogs): void {
  powerMonitor.on('suspend', () => logs.app.info('system suspends'));
  powerMonitor.on('resume', () => {
    logs.app.info('system resumed: catching up missed schedules');
    host.engine.onResume();
  });
  powerMonitor.on('lock-screen', () => display(false));
  powerMonitor.on('unlock-screen', () => display(true));
}
