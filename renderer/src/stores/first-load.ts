import type { JobView, RunState } from '../../../contract/model.js';
import type { OperationCall } from '../bridge/http-bridge.js';

/**
 * The calls every dashboard makes first, once its event stream is open: the
 * stores make them (with these very inputs), and the page asks for them as soon
 * as the stream opens, while the app itself is still loading (main.ts,
 * HttpBridgeOptions.firstCalls). Nothing heavy: the page's first module imports this.
 */

/** In the order the grid needs them: its cards, then the header. */
export const FIRST_CALLS: readonly OperationCall[] = [
  ['jobs:list', {}],
  ['health:get', {}],
  ['config:get', {}],
];

export const pendingRunsQuery = (state: RunState) => ({ state, limit: 500 });

/**
 * The states of runs still going (shown on their job's card: progress, "retry
 * 2/3 in 28 s") that some job has, by the jobs' live views: running and queued
 * runs are a job's `active_run_ids`; a pending retry makes it `retrying`,
 * unless it is disabled or invalid, which hide that.
 */
export function pendingStatesOf(jobs: readonly JobView[]): RunState[] {
  const active = jobs.some((job) => job.active_run_ids.length > 0);
  const retrying = jobs.some(
    (job) => job.health === 'retrying' || job.health === 'disabled' || job.health === 'invalid',
  );
  return [...(active ? (['queued', 'running'] as const) : []), ...(retrying ? (['retry_scheduled'] as const) : [])];
}
