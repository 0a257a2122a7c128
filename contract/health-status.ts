import type { HealthSnapshot } from './model.js';

/**
 * The overall state an operator sees at a glance, the same in the dashboard's
 * header and the tray icon: five states, each with a word (colour is never the
 * only signal).
 */
export const HEALTH_STATUSES = ['ok', 'running', 'warning', 'failing', 'paused'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const HEALTH_STATUS_LABELS: Record<HealthStatus, string> = {
  ok: 'All good',
  running: 'Running',
  warning: 'Needs attention',
  failing: 'Failing',
  paused: 'Paused',
};

/**
 * Failing wins over everything (a paused engine still has failed jobs to look
 * at); then paused, which the operator must not forget; then warning (a job
 * overdue, retrying or invalid, or a broken jobs file); then running; else ok.
 */
export function healthStatus(
  snapshot: Pick<HealthSnapshot, 'overall' | 'paused' | 'config_error_count'>,
): HealthStatus {
  if (snapshot.overall === 'failing') return 'failing';
  if (snapshot.paused) return 'paused';
  if (
    snapshot.overall === 'overdue' ||
    snapshot.overall === 'retrying' ||
    snapshot.overall === 'invalid' ||
    snapshot.config_error_count > 0
  )
    return 'warning';
  if (snapshot.overall === 'running') return 'running';
  return 'ok';
}
