import path from 'node:path';
import log from 'electron-log/node.js';

/** The engine's logger: electron-log's node entry, so it works with or without Electron. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface LoggerOptions {
  /** Writes `<dir>/jobtray.log` (rotated by electron-log at 5 MB). */
  dir: string;
  /** Also print to the console at this level and above; false = file only. */
  console: 'debug' | 'info' | 'warn' | 'error' | false;
}

let instances = 0;

/**
 * electron-log keeps one default instance per process; each engine gets its
 * own (`create({ logId })`) so two engines in one process (tests, a restart)
 * write to their own data directories.
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = log.create({ logId: `jobtray-${process.pid}-${instances++}` });
  logger.transports.file.resolvePathFn = () => path.join(options.dir, 'jobtray.log');
  logger.transports.file.level = 'info';
  logger.transports.console.level = options.console;
  return logger.scope('engine');
}

/** A logger that drops everything (benchmarks, some tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
