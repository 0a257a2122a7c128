import type { LogLineInput } from '../../../contract/model.js';
import {
  JSON_LINE_OVERHEAD_CHARS,
  logSegments,
  unpackLogLines,
  type PackedLogLines,
  type SerializedLogLines,
} from '../../../contract/worker-protocol.js';
import { serializeLogLines } from '../serialized-log-lines.js';
import type { Store } from './store.js';

/** What appendPacked stored: how many lines, numbered from `first_seq`, and the lines when asked for. */
export interface StoredBatch {
  count: number;
  /** The seq of the first stored line (0 when none was). */
  first_seq: number;
  /** The stored lines serialized, one `run:log` event's worth each (about LOG_SEGMENT_CHARS), or null when not asked for. */
  lines: SerializedLogLines[] | null;
}

/**
 * Stores one run's packed lines, in order, in one transaction
 * (Store.appendLogs: numbering, the cap) — what the threads that store log
 * lines off the engine's thread do with a batch: the log writer's
 * (main/engine/log-writer-thread.ts) and the command supervisor's
 * (workers/command-supervisor.ts). Throws what appendLogs throws.
 */
export function appendPacked(
  store: Pick<Store, 'appendLogs'>,
  runId: number,
  packed: readonly PackedLogLines[],
  cap: number,
  wantLines: boolean,
): StoredBatch {
  const lines = packed.length === 1 ? unpackLogLines(packed[0]!) : packed.flatMap(unpackLogLines);
  return appendBatch(store, runId, lines, cap, wantLines);
}

/** appendPacked for lines not packed (the command supervisor's own batches). */
export function appendBatch(
  store: Pick<Store, 'appendLogs'>,
  runId: number,
  lines: readonly LogLineInput[],
  cap: number,
  wantLines: boolean,
): StoredBatch {
  const stored = store.appendLogs(runId, lines, cap);
  return {
    count: stored.length,
    first_seq: stored[0]?.seq ?? 0,
    lines: wantLines && stored.length > 0 ? logSegments(stored, JSON_LINE_OVERHEAD_CHARS).map(serializeLogLines) : null,
  };
}
