import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Logger } from './logger.js';

/** Changes within this long of each other are one change: an editor's save is several events. */
const DEBOUNCE_MS = 100;

export interface JobsFileWatcherOptions {
  /** Absolute path of the jobs file. */
  file: string;
  logger: Logger;
  /** Called once the file changed (added, written, removed) and stayed quiet for DEBOUNCE_MS. */
  onChange(): void;
}

/**
 * Watches the jobs file. The folder is watched, not the file: editors save by
 * writing a new file and renaming it over the old one. After close(),
 * onChange is never called again.
 */
export class JobsFileWatcher {
  /** Resolves once the watcher is established, so no change after it is missed. */
  readonly ready: Promise<void>;
  private readonly watcher: FSWatcher;
  private debounce: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: JobsFileWatcherOptions) {
    const { file } = options;
    const folder = path.dirname(file);
    this.watcher = chokidar.watch(folder, {
      depth: 0,
      ignoreInitial: true,
      ignored: (p: string) => p !== file && p !== folder,
    });
    const onEvent = (p: string) => {
      if (path.resolve(p) !== file || this.closed) return;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = null;
        options.onChange();
      }, DEBOUNCE_MS);
    };
    this.watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    this.watcher.on('error', (error) => options.logger.warn('watching the jobs file failed', error));
    this.ready = new Promise<void>((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** Drops a pending change and stops watching. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    await this.watcher.close();
  }
}
