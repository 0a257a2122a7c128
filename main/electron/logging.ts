import path from 'node:path';
import log from 'electron-log/main.js';
import type { Logger } from '../engine/logger.js';

/** Rotated past this size (electron-log keeps one `jobtray.old.log`). */
const MAX_LOG_BYTES = 5 * 1024 * 1024;

export interface DesktopLogs {
  /** The app's own lines (tray, window, quit). */
  app: Logger;
  /** Handed to the engine and the Local API (HostOptions.logger): their lines go to the same file. */
  engine: Logger;
  dir: string;
}

/**
 * electron-log writes `<logsDir>/jobtray.log`, rotated at 5 MB; the engine's
 * logger is a scope of it, so one file holds everything. Worker threads never
 * log here: they post their lines to the engine (contract/worker-protocol.ts).
 * An uncaught error is logged and the app keeps running: the scheduler must
 * not die with one broken listener or timer.
 */
export function setupLogging(logsDir: string, toConsole: boolean): DesktopLogs {
  log.transports.file.resolvePathFn = () => path.join(logsDir, 'jobtray.log');
  log.transports.file.maxSize = MAX_LOG_BYTES;
  log.transports.file.level = 'info';
  log.transports.console.level = toConsole ? 'warn' : false;
  const app = log.scope('app');
  process.on('uncaughtException', (error) => app.error('uncaught exception (the app keeps running)', error));
  process.on('unhandledRejection', (reason) => app.error('unhandled rejection (the app keeps running)', reason));
  return { app, engine: log.scope('engine'), dir: logsDir };
}
