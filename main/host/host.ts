import path from 'node:path';
import type { Settings } from '../../contract/model.js';
import { startBackups } from '../engine/backups.js';
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.js';
import { createLogger, type Logger } from '../engine/logger.js';
import { appVersion, databasePath, defaultStaticDir } from '../engine/paths.js';
import { databaseDamage, moveDatabaseAside, type MovedFile } from '../engine/store/index.js';
import { sendTestWebhook, startWebhooks } from '../notify/webhooks.js';
import { startApiServer } from '../api/server.js';
import { acquireLock } from './lock.js';
import { loadOrCreateToken } from './token.js';
import { readDiscovery, removeDiscovery, writeDiscovery } from './discovery.js';
import { createStopRequests } from './stop-requests.js';

export interface HostOptions {
  dataDir: string;
  /** Defaults to `<dataDir>/jobs.yaml` (created with demo jobs on first start). */
  jobsFile?: string;
  /** Local API port; default the `api_port` setting; 0 picks a free one. */
  port?: number;
  /** Built dashboard to serve at `/` (default: dist/renderer when built). */
  staticDir?: string | null;
  consoleLog?: 'debug' | 'info' | 'warn' | 'error' | false;
  watch?: boolean;
  /** Settings over the stored ones for this run (tests). */
  settings?: Partial<Settings>;
  /** Where logs go (the desktop app routes them into electron-log); default a file in `<dataDir>/logs`. */
  logger?: Logger;
  /** Where the engine finds its parts when they are not in the package (the packaged desktop app). */
  engine?: Pick<EngineOptions, 'workerPath' | 'resourcesDir' | 'nativeBinding' | 'nodeRuntime'>;
  /** Tests only: see EngineOptions.storePages. */
  storePages?: EngineOptions['storePages'];
  /** A damaged database is renamed aside (never deleted) and the host starts with an empty one (`--move-damaged-db`). */
  moveDamagedDb?: boolean;
}

/** What `moveDamagedDb` found: why the database was damaged and where its files went; null when it was fine. */
export type MovedDatabase = { damage: string; moved: MovedFile[] } | null;

export interface Host {
  engine: Engine;
  /** The Local API's base URL. */
  url: string;
  /** Opens the dashboard logged in: the token travels in the fragment, which browsers never send to a server. */
  loginUrl: string;
  /** A built dashboard is served at `/`. */
  hasDashboard: boolean;
  dataDir: string;
  /** Set when `moveDamagedDb` moved a damaged database aside. */
  movedDatabase: MovedDatabase;
  /**
   * Stops the API, notifications and the engine (its runs through the normal
   * kill path), then removes the discovery file and the lock. `force` kills
   * every job's processes now, also during a close under way (Engine.close).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * The headless host: the engine, the Local API (and the dashboard it serves)
 * and webhook notifications in one plain Node process, for servers without a
 * display and machines where Electron cannot run. One host per data dir.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const dataDir = path.resolve(options.dataDir);
  const lock = acquireLock(dataDir, () => {
    const running = readDiscovery(dataDir);
    return running ? `Local API at ${running.url}` : '';
  });
  const undo: (() => Promise<void> | void)[] = [() => lock.release()];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    // Under the lock: no other Jobtray has the file open while it is checked and moved.
    const movedDatabase = options.moveDamagedDb ? moveDamagedDatabase(dataDir) : null;
    const logger =
      options.logger ?? createLogger({ dir: path.join(dataDir, 'logs'), console: options.consoleLog ?? false });
    const engine = await createEngine({
      ...options.engine,
      dataDir,
      ...(options.jobsFile ? { jobsFile: options.jobsFile } : {}),
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.watch !== undefined ? { watch: options.watch } : {}),
      ...(options.storePages ? { storePages: options.storePages } : {}),
      logger,
    });
    undo.push(() => engine.close());
    // Undone before the engine closes: a backup in progress needs the store open.
    const backups = startBackups(engine, { logger });
    undo.push(() => backups.close());
    const webhooks = startWebhooks({ engine, logger });
    undo.push(() => webhooks.close());
    const token = loadOrCreateToken(dataDir);
    const port = options.port ?? engine.getSettings().api_port;
    const staticDir = options.staticDir === undefined ? defaultStaticDir() : options.staticDir;
    const server = await startApiServer({
      engine,
      token,
      port,
      staticDir,
      logger,
      services: { testWebhook: sendTestWebhook },
    });
    undo.push(() => server.close());
    writeDiscovery(dataDir, {
      url: server.url,
      token,
      pid: process.pid,
      version: appVersion(),
      started_at: Date.now(),
    });
    undo.push(() => removeDiscovery(dataDir));
    logger.info(`Local API listening on ${server.url}`);
    let closing: Promise<void> | null = null;
    return {
      engine,
      url: server.url,
      loginUrl: `${server.url}/#token=${encodeURIComponent(token)}`,
      hasDashboard: staticDir !== null,
      dataDir,
      movedDatabase,
      close: (closeOptions = {}) => {
        // The engine is forced at once, wherever the unwinding is; its own step then awaits the same close.
        if (closeOptions.force) engine.close({ force: true }).catch(() => {});
        return (closing ??= unwind());
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/** `--move-damaged-db`: the data dir's database, renamed aside when it is damaged. */
function moveDamagedDatabase(dataDir: string): MovedDatabase {
  const file = databasePath(dataDir);
  const damage = databaseDamage(file);
  return damage === null ? null : { damage, moved: moveDatabaseAside(file) };
}

/**
 * `jobtray serve`: runs the host until SIGINT/SIGTERM, then shuts down
 * cleanly — running runs stopped through the engine's kill path, the database
 * closed, the discovery file and lock removed. A second signal skips the rest
 * of the grace period (see stop-requests.ts).
 */
export async function runHostUntilSignal(
  options: HostOptions & { print: (line: string) => void; onStarted?: (host: Host) => void },
): Promise<void> {
  // Handled from before the host starts: its engine may start queued runs at once.
  const starting = startHost(options);
  const stop = createStopRequests({ stop: async (how) => (await starting).close(how), print: options.print });
  const onSignal = (signal: NodeJS.Signals) => stop.request(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const host = await starting;
    if (stop.stage === 'running') {
      if (host.movedDatabase) {
        const moves = host.movedDatabase.moved.map((m) => `${m.from} -> ${m.to}`).join(', ');
        options.print(
          `The database was damaged (${host.movedDatabase.damage}); moved it aside (${moves}) and started with an empty one.`,
        );
      } else if (options.moveDamagedDb) {
        options.print(
          `--move-damaged-db: the database ${databasePath(host.dataDir)} is not damaged; nothing was moved.`,
        );
      }
      options.print(`Jobtray is running (data: ${host.dataDir}).`);
      options.print(`Local API: ${host.url}`);
      options.print(
        host.hasDashboard
          ? `Dashboard: ${host.loginUrl}`
          : `Dashboard: not built; use the CLI (npx jobtray status) or the API (token in ${path.join(host.dataDir, 'api-token')}).`,
      );
      options.print('Press Ctrl+C to stop.');
      options.onStarted?.(host);
    }
    await stop.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
