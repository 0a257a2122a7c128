/**
 * The health model, pure: one job's health from its state, the overall health
 * that drives the tray icon, and which health transitions notify.
 */
import {
  FAILED_STATES,
  JOB_HEALTH,
  type AlertKind,
  type HealthSnapshot,
  type JobHealth,
  type NotifyPolicy,
  type RunRecord,
  type StorageProblem,
} from '../../contract/model.js';

export interface JobHealthInput {
  /** Effective (file value with the operator's override applied). */
  enabled: boolean;
  /** Its jobs-file entry has errors. */
  invalid: boolean;
  /** A run is queued or running. */
  running: boolean;
  /** A run is retry_scheduled. */
  retryPending: boolean;
  /** Newest terminal run that is not `skipped`. */
  lastFinished: Pick<RunRecord, 'state' | 'finished_at'> | null;
  /** From overdueDeadline(). */
  overdueAt: number | null;
  now: number;
}

/**
 * One job's health. Precedence, first match wins:
 *   invalid > disabled > running > retrying > failing > overdue > ok
 * - invalid first: a broken jobs-file entry is what the operator must fix; its
 *   runs' outcomes are moot until then.
 * - running beats failing: while a new run is in progress the card shows progress;
 *   if that run fails too, failing shows again. Notifications are not affected
 *   (see notificationFor: it compares settled health).
 * - retrying beats failing: the chain has not ended yet, a failed attempt with a
 *   retry pending is not a failed chain.
 * - failing: the last finished run is in FAILED_STATES (failed, timed_out,
 *   interrupted). A cancelled run counts as ok: an operator stopped it on purpose.
 *   A `skipped` run passed in anyway is ignored (it says nothing about the job).
 * - overdue: now >= overdueAt.
 */
export function jobHealth(i: JobHealthInput): JobHealth {
  if (i.invalid) return 'invalid';
  if (!i.enabled) return 'disabled';
  if (i.running) return 'running';
  if (i.retryPending) return 'retrying';
  if (i.lastFinished !== null && FAILED_STATES.includes(i.lastFinished.state)) return 'failing';
  if (i.overdueAt !== null && i.now >= i.overdueAt) return 'overdue';
  return 'ok';
}

/** Rank in JOB_HEALTH, best (0) to worst. */
function rank(health: JobHealth): number {
  return JOB_HEALTH.indexOf(health);
}

function worst(a: JobHealth, b: JobHealth): JobHealth {
  return rank(b) > rank(a) ? b : a;
}

/**
 * Overall health: the worst job health in JOB_HEALTH order. `disabled` is the best
 * value, so it is the overall only when every job is disabled. No jobs: `ok`. A
 * file-level config error (configErrorCount > 0) makes it at least `invalid`; a
 * storage problem makes it `failing`, the worst: nothing new runs until it ends.
 * `paused` is carried through for the tray; it does not change the health.
 */
export function overallHealth(
  jobs: Record<string, JobHealth>,
  opts: { configErrorCount: number; paused: boolean; storage?: StorageProblem | null },
): HealthSnapshot {
  const counts = Object.fromEntries(JOB_HEALTH.map((h) => [h, 0])) as Record<JobHealth, number>;
  const values = Object.values(jobs);
  for (const h of values) counts[h] += 1;
  let overall: JobHealth = values.length === 0 ? 'ok' : values.reduce(worst);
  if (opts.configErrorCount > 0) overall = worst(overall, 'invalid');
  if (opts.storage) overall = 'failing';
  return {
    overall,
    jobs: { ...jobs },
    counts,
    paused: opts.paused,
    config_error_count: opts.configErrorCount,
    storage: opts.storage ?? null,
  };
}

/**
 * Whether a storage problem differs in what announces it: it began or ended,
 * or more fires were held. Dropped log lines and free space change with every
 * batch and are not announced on their own (HealthSnapshot queries show them).
 */
function storageChanged(a: StorageProblem | null, b: StorageProblem | null): boolean {
  if (a === null || b === null) return a !== b;
  return a.since !== b.since || a.code !== b.code || a.path !== b.path || a.held_fires !== b.held_fires;
}

/** Whether anything a listener shows differs (counts follow from `jobs`). */
export function healthChanged(a: HealthSnapshot | null, b: HealthSnapshot): boolean {
  if (a === null) return true;
  if (a.overall !== b.overall || a.paused !== b.paused || a.config_error_count !== b.config_error_count) return true;
  if (storageChanged(a.storage, b.storage)) return true;
  const aIds = Object.keys(a.jobs);
  if (aIds.length !== Object.keys(b.jobs).length) return true;
  return aIds.some((id) => a.jobs[id] !== b.jobs[id]);
}

/**
 * `running` and `retrying` are passing states: a run in progress says nothing yet
 * about whether the job is healthy. Every other value is settled.
 */
export function isSettledHealth(health: JobHealth): boolean {
  return health !== 'running' && health !== 'retrying';
}

/**
 * The settled health to remember after observing `current`: `current` when it is
 * settled, else the previous settled value. The engine keeps this per job and
 * passes it as `from`, so failing → running → ok is seen as failing → ok.
 */
export function nextSettledHealth(previous: JobHealth | null, current: JobHealth): JobHealth | null {
  return isSettledHealth(current) ? current : previous;
}

/**
 * A change of one job's health. `from` is the job's last *settled* health (see
 * nextSettledHealth), null when none is known (first evaluation since start, a job
 * just added); `to` is the new settled health.
 */
export type HealthTransition = { job_id: string; from: JobHealth | null; to: JobHealth };

export interface HealthNotification {
  kind: Extract<AlertKind, 'failure' | 'recovery'>;
  title: string;
  body: string;
}

/**
 * Notification policy for desktop and webhook notifications:
 * - failure: entering `failing` from anything else, null included (a job found
 *   failing at start is reported once per start), when notify.on_failure.
 *   failing → failing never repeats, so one notification per failed chain, not per
 *   failed attempt.
 * - recovery: entering `ok` from `failing`, when notify.on_recovery. Only from
 *   `failing`: failing → disabled → ok is not a recovery.
 * A transition into running/retrying is not settled and never notifies.
 */
export function notificationFor(t: HealthTransition, notify: NotifyPolicy): HealthNotification | null {
  if (t.to === 'failing' && t.from !== 'failing' && notify.on_failure) {
    return {
      kind: 'failure',
      title: `${t.job_id} is failing`,
      body: `The last run of ${t.job_id} failed and has no retry left. Open Jobtray to see the run and its log.`,
    };
  }
  if (t.to === 'ok' && t.from === 'failing' && notify.on_recovery) {
    return {
      kind: 'recovery',
      title: `${t.job_id} recovered`,
      body: `${t.job_id} is no longer failing: its latest run did not fail.`,
    };
  }
  return null;
}
