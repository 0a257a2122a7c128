/**
 * The alerts the engine raises, built from plain data. Pure: the engine
 * decides when one is due (once per broken file, per retry chain, per
 * settled-health transition) and emits it as `job:alert`.
 */
import type { ConfigError, JobAlert, NotifyPolicy, RunRecord } from '../../contract/model.js';
import { notificationFor, type HealthTransition } from './health.js';

/** A config error alert lists this many messages; the rest are counted. */
const CONFIG_ERRORS_LISTED = 3;

/** The jobs file `fileName` has `errors`; `fatal` when nothing of it was applied. */
export function configErrorAlert(fileName: string, errors: readonly ConfigError[], fatal: boolean, at: number): JobAlert {
  const listed = errors
    .slice(0, CONFIG_ERRORS_LISTED)
    .map((e) => e.message)
    .join('\n');
  const more = errors.length > CONFIG_ERRORS_LISTED ? `\n… and ${errors.length - CONFIG_ERRORS_LISTED} more` : '';
  return {
    kind: 'config_error',
    job_id: null,
    run_id: null,
    title: `${fileName} has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
    body: `${listed}${more}\n${fatal ? 'Nothing was applied' : 'The valid jobs were applied'}; the last good definitions keep running.`,
    at,
  };
}

/** An attempt of `run` timed out and was stopped; `willRetry` when another attempt is scheduled. */
export function timeoutAlert(run: Pick<RunRecord, 'id' | 'job_id' | 'attempt' | 'max_attempts' | 'error'>, willRetry: boolean, at: number): JobAlert {
  return {
    kind: 'timeout',
    job_id: run.job_id,
    run_id: run.id,
    title: `${run.job_id} timed out`,
    body: `Run ${run.id} of ${run.job_id} (attempt ${run.attempt}/${run.max_attempts}) ${run.error ?? 'timed out'} and was stopped.${willRetry ? ' It will be retried.' : ''}`,
    at,
  };
}

/**
 * The failure or recovery alert for a change of a job's settled health, or
 * null when the job's notify policy wants none (see notificationFor).
 * A failure alert quotes the error of the job's newest finished run.
 */
export function healthAlert(transition: HealthTransition, notify: NotifyPolicy, lastFinished: Pick<RunRecord, 'id' | 'error'> | null, at: number): JobAlert | null {
  const note = notificationFor(transition, notify);
  if (!note) return null;
  const detail = note.kind === 'failure' && lastFinished?.error ? ` Last error: ${lastFinished.error}` : '';
  return { kind: note.kind, job_id: transition.job_id, run_id: lastFinished?.id ?? null, title: note.title, body: `${note.body}${detail}`, at };
}
