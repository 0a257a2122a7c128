/**
 * Deletes runs (with their logs and artifact files) past the retention
 * settings: at start, then every hour while the engine runs.
 */
import type { Settings } from '../../contract/model.js';
import { removeArtifactFiles } from './artifacts.js';
import type { Logger } from './logger.js';
import type { StorageGuard } from './storage-guard.js';
import type { Store } from './store/index.js';

const RETENTION_EVERY_MS = 3_600_000;

/** What retention needs from the engine. */
export interface RetentionContext {
  readonly store: Pick<Store, 'applyRetention'>;
  /** Where a pass that fails is reported (it runs in a timer: it must not throw). */
  readonly storage: Pick<StorageGuard, 'noteFailure'>;
  readonly logger: Logger;
  /** Artifact paths are relative to it. */
  readonly dataDir: string;
  /** Read at every pass: the limits may change while the engine runs. */
  settings(): Pick<Settings, 'retention_max_age_days' | 'retention_max_runs_per_job'>;
}

export class Retention {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: RetentionContext) {}

  /** Applies retention now and every hour until stop(); the timer never keeps the process alive. */
  start(): void {
    const pass = () => {
      try {
        this.apply();
      } catch (error) {
        this.ctx.storage.noteFailure(error, 'retention');
      }
    };
    pass();
    this.timer = setInterval(pass, RETENTION_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; artifact files are removed in the background (a failure is logged). */
  apply(): { deleted_runs: number } {
    const { store, logger, dataDir } = this.ctx;
    const s = this.ctx.settings();
    const limits = { max_age_days: s.retention_max_age_days, max_runs_per_job: s.retention_max_runs_per_job };
    const { deleted_runs, artifact_paths } = store.applyRetention({ ...limits, now: Date.now() });
    if (artifact_paths.length > 0) {
      removeArtifactFiles(dataDir, artifact_paths).catch((error) =>
        logger.warn('removing artifact files failed', error),
      );
    }
    if (deleted_runs > 0) logger.info(`retention removed ${deleted_runs} runs`);
    return { deleted_runs };
  }
}
