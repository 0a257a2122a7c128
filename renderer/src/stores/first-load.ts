import type { RunState } from '../../../contract/model.js';
import type { OperationCall } from '../bridge/http-bridge.js';

/**
 * The calls every dashboard makes first, once its event stream is open: the
 * stores make them (with these very inputs), and the page asks for them as soon
 * as the stream opens, while the app itself is still loading (main.ts,
 * HttpBridgeOptions.firstCalls). Nothing heavy: the page's first module imports this.
 */

/** States of a run that is still going: shown on its job's card (progress, "retry 2/3 in 28 s"). */
export const PENDING_STATES: readonly RunState[] = ['queued', 'running', 'retry_scheduled'];

export const pendingRunsQuery = (state: RunState) => ({ state, limit: 500 });

/** In the order the grid needs them: its cards, then the header. */
export const FIRST_CALLS: readonly OperationCall[] = [
  ['jobs:list', {}],
  ...PENDING_STATES.map((state): OperationCall => ['runs:list', pendingRunsQuery(state)]),
  ['health:get', {}],
  ['config:get', {}],
];
