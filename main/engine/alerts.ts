/**
 * The alerts the engine raises, built from plain data. Pure: the engine
 * decides when one is due (once per broken file, per retry chain, per
 * settled-health transition) and emits it as `job:alert`.
 */
import { byteSize } from '../../contract/format.js';
import type { ConfigError, JobAlert, NotifyPolicy, RunRecord, StorageProblem } from '../../contract/model.js';
import { formatSpan } from '../../contract/relative-time.js';
import { notificationFor, type HealthTransition } from './health.js';

/** A config error alert lists this many messages; the rest are counted. */
const CONFIG_ERRORS_LISTED = 3;

/** The jobs file `fileName` has `errors`; `fatal` when nothing of it was applied. */
export function configErrorAlert(
  fileName: string,
  errors: readonly ConfigError[],
  fatal: boolean,
  at: number,
): JobAlert {
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
export function timeoutAlert(
  run: Pick<RunRecord, 'id' | 'job_id' | 'attempt' | 'max_attempts' | 'error'>,
  willRetry: boolean,
  at: number,
): JobAlert {
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
export function healthAlert(
  transition: HealthTransition,
  notify: NotifyPolicy,
  lastFinished: Pick<RunRecord, 'id' | 'error'> | null,
  at: number,
): JobAlert | null {
  const note = notificationFor(transition, notify);
  if (!note) return null;
  const detail = note.kind === 'failure' && lastFinished?.error ? ` Last error: ${lastFinished.error}` : '';
  return {
    kind: note.kind,
    job_id: transition.job_id,
    run_id: lastFinished?.id ?? null,
    title: note.title,
    body: `${note.body}${detail}`,
    at,
  };
}

/** Writing to the data directory began failing (see storage-guard.ts). */
export function storageAlert(problem: StorageProblem): JobAlert {
  const free = problem.free_bytes === null ? '' : ` (${byteSize(problem.free_bytes)} free)`;
  return {
    kind: 'storage',
    job_id: null,
    run_id: null,
    title: 'Jobtray cannot write its data',
    body:
      `${problem.message}${free}. New runs are held until writing works again; running runs go on, ` +
      'and their log lines that cannot be written are counted. Free some space; Jobtray notices within seconds.',
    at: problem.since,
  };
}

/** Writing works again after `problem`: what the problem cost. */
export function storageRecoveredAlert(problem: StorageProblem, at: number): JobAlert {
  const held = problem.held_fires === 1 ? '1 scheduled run was' : `${problem.held_fires} scheduled runs were`;
  const dropped =
    problem.dropped_log_lines === 1
      ? '1 log line was'
      : `${problem.dropped_log_lines.toLocaleString('en-US')} log lines were`;
  return {
    kind: 'storage_recovered',
    job_id: null,
    run_id: null,
    title: 'Jobtray can write its data again',
    body: `Writing to ${problem.path} works again after ${formatSpan(at - problem.since)}. ${held} skipped and ${dropped} dropped meanwhile.`,
    at,
  };
}
