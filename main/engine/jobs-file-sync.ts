/**
 * Keeps the jobs the engine knows in step with the jobs file: the first read,
 * the reads after a change (the watcher) or an operator's reload, and applying
 * each one — the registry updated, the waiting runs of removed jobs skipped,
 * config errors logged and alerted, next fire times refreshed.
 *
 * Invariants:
 * - Reads are applied one at a time, in the order they were asked for; none
 *   is applied once the engine is closing.
 * - Running runs are never touched: they finish with the definition they
 *   started with.
 */
import path from 'node:path';
import type { ConfigStatus } from '../../contract/model.js';
import { configErrorAlert } from './alerts.js';
import type { EngineEvents } from './events.js';
import type { JobRegistry } from './job-registry.js';
import { loadJobsFile, type LoadResult } from './jobs-file/index.js';
import { JobsFileWatcher } from './jobs-file-watcher.js';
import type { Logger } from './logger.js';
import type { RunQueue } from './run-queue.js';

/** What keeping in step with the jobs file needs from the engine. */
export interface JobsFileSyncContext {
  /** Absolute path of the jobs file. */
  readonly jobsFile: string;
  readonly jobs: Pick<JobRegistry, 'applyFile' | 'values' | 'refreshNextFire' | 'status'>;
  readonly runs: Pick<RunQueue, 'dropPending'>;
  readonly events: Pick<EngineEvents, 'emit'>;
  readonly logger: Logger;
  isPaused(): boolean;
  isClosing(): boolean;
  /** A read was applied: the job views, the scheduler timer and dispatch follow. */
  applied(): void;
}

export class JobsFileSync {
  private reloading: Promise<ConfigStatus> | null = null;
  private watcher: JobsFileWatcher | null = null;

  constructor(private readonly ctx: JobsFileSyncContext) {}

  /** Reads and applies the file; with `watch`, resolves once its changes are watched, so none after it is missed. */
  async start(watch: boolean): Promise<void> {
    this.apply(await loadJobsFile(this.ctx.jobsFile));
    if (!watch) return;
    const onChange = () =>
      void this.reload().catch((error: unknown) =>
        this.ctx.logger.error(`applying ${this.ctx.jobsFile} failed`, error),
      );
    this.watcher = new JobsFileWatcher({ file: this.ctx.jobsFile, logger: this.ctx.logger, onChange });
    await this.watcher.ready;
  }

  /** Reads and applies the file after any read already under way. */
  reload(): Promise<ConfigStatus> {
    const previous = this.reloading ?? Promise.resolve(this.ctx.jobs.status);
    this.reloading = previous
      .catch(() => this.ctx.jobs.status)
      .then(async () => {
        const result = await loadJobsFile(this.ctx.jobsFile);
        if (!this.ctx.isClosing()) this.apply(result);
        return this.ctx.jobs.status;
      });
    return this.reloading;
  }

  /** Stops watching and waits for a read under way (it is not applied: the engine is closing). */
  async close(): Promise<void> {
    await this.watcher?.close();
    await this.reloading?.catch(() => {});
  }

  /** Applies a read (see JobRegistry.applyFile); a fatal one changes no job. */
  private apply(result: LoadResult): void {
    const { jobs, events, logger, jobsFile } = this.ctx;
    const { removed, newErrors } = jobs.applyFile(result, Date.now());
    for (const id of removed) {
      this.ctx.runs.dropPending(id, 'the job was removed from the jobs file');
      events.emit('job:removed', { job_id: id });
    }
    if (!result.fatal) for (const entry of jobs.values()) jobs.refreshNextFire(entry, this.ctx.isPaused());
    if (result.errors.length > 0) {
      const lines = result.errors.map((e) => `  ${e.message}`).join('\n');
      logger.warn(`${jobsFile}: ${result.errors.length} error(s)${result.fatal ? ', nothing applied' : ''}\n${lines}`);
      events.emit('config:error', jobs.status);
      if (newErrors)
        events.emit('job:alert', configErrorAlert(path.basename(jobsFile), result.errors, result.fatal, Date.now()));
    }
    if (!result.fatal) events.emit('config:applied', jobs.status);
    this.ctx.applied();
  }
}
