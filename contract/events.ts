import type { ConfigStatus, HealthSnapshot, JobAlert, JobView, LogLine, RunRecord } from './model.js';

/**
 * Events the engine pushes, `domain:verb`, one payload object each. A state is
 * always persisted before its event is emitted.
 */
export interface EngineEventMap {
  /** A run was created or changed state (full record). */
  'run:state': RunRecord;
  'run:progress': { run_id: number; job_id: string; progress: number | null; step: string | null };
  /** Log lines persisted for a run, in order. */
  'run:log': { run_id: number; job_id: string; lines: LogLine[] };
  /** A job's live view changed (health, override, next fire, last run). */
  'job:state': JobView;
  /** A job left the set (removed from the jobs file). */
  'job:removed': { job_id: string };
  'health:change': HealthSnapshot;
  /** The jobs file was read and has errors; the last good definitions keep running. */
  'config:error': ConfigStatus;
  /** The jobs file was read and applied (possibly partially: see `errors`). */
  'config:applied': ConfigStatus;
  /** A transition to tell an operator about (desktop notification, webhook). */
  'job:alert': JobAlert;
  /** The engine was paused or resumed. */
  'engine:paused': { paused: boolean };
}

export type EngineEventName = keyof EngineEventMap;
export const ENGINE_EVENT_NAMES: readonly EngineEventName[] = [
  'run:state',
  'run:progress',
  'run:log',
  'job:state',
  'job:removed',
  'job:alert',
  'health:change',
  'config:error',
  'config:applied',
  'engine:paused',
];

/**
 * The events the event stream and the desktop window forward whenever they
 * are connected: every one but `run:log`. That one carries a job's stored log
 * lines, and the engine builds it only while someone listens (see
 * main/engine/log-writer.ts), so it is followed only on demand.
 */
export const STATE_EVENT_NAMES: readonly EngineEventName[] = ENGINE_EVENT_NAMES.filter((name) => name !== 'run:log');
