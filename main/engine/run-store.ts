/**
 * The engine's connections to the run store: its own (runs, jobs, settings,
 * audit), the log writer's thread (log lines, log-writer.ts) and the command
 * supervisor's thread (its commands' output, command-supervisor.ts; opened by
 * that thread from `logStore`). They share one write lock
 * (store/write-lock.ts), so one writes at a time and a waiting thread wakes as
 * soon as another commits.
 */
import path from 'node:path';
import type { JobtrayError } from '../../contract/errors.js';
import { LogWriter } from './log-writer.js';
import { databasePath } from './paths.js';
import { openStore, WriteLock, type Store } from './store/index.js';

export interface RunStoreOptions {
  dataDir: string;
  /** The compiled worker entry: the log writer's thread is built and shipped beside it. */
  workerPath: string;
  /** better-sqlite3 native binding to load, on every connection. */
  nativeBinding?: string;
  /** A write of the engine's connection failed (storage-guard.ts). */
  onWriteFailure(error: JobtrayError): void;
  /** Tests only: reaches the page limit of every connection, to make writes fail as on a full disk. */
  storePages?: (store: Pick<Store, 'setPageLimit' | 'pageCount'>) => void;
}

export interface RunStore {
  store: Store;
  logWriter: LogWriter;
  /** What another thread needs to open its own connection (the command supervisor's). */
  logStore: { path: string; writeLock: WriteLock; nativeBinding: string | null };
  /** Told every page limit set through `storePages` (tests), besides the engine's and the log writer's connections. */
  pageLimitFollowers: ((pages: number | null) => void)[];
}

export function openRunStore(options: RunStoreOptions): RunStore {
  const file = databasePath(options.dataDir);
  const nativeBinding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const writeLock = WriteLock.create();
  const store = openStore({ path: file, onWriteFailure: options.onWriteFailure, writeLock, ...nativeBinding });
  const logWriter = new LogWriter({
    databasePath: file,
    threadPath: path.join(path.dirname(options.workerPath), '..', 'main', 'engine', 'log-writer-thread.js'),
    writeLock,
    ...nativeBinding,
  });
  const pageLimitFollowers: ((pages: number | null) => void)[] = [];
  options.storePages?.({
    setPageLimit: (pages) => {
      logWriter.setPageLimit(pages);
      for (const follower of pageLimitFollowers) follower(pages);
      return store.setPageLimit(pages);
    },
    pageCount: () => store.pageCount(),
  });
  return {
    store,
    logWriter,
    logStore: { path: file, writeLock, nativeBinding: options.nativeBinding ?? null },
    pageLimitFollowers,
  };
}
