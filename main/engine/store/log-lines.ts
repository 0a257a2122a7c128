import { JobtrayError } from '../../../contract/errors.js';
import type { LogLine, LogLineInput } from '../../../contract/model.js';
import { LOG_ROWS_PER_INSERT, type Statements } from './statements.js';

function truncationMarker(cap: number): string {
  return `log truncated: more than ${cap} lines; further lines are not stored`;
}

/**
 * The inside of Store.appendLogs, run in its transaction: numbers the lines
 * after the run's last one, stores them (at most `cap` per run, then one
 * truncation marker; later lines are only counted) and returns those stored.
 */
export function writeLogLines(sql: Statements, runId: number, lines: readonly LogLineInput[], cap: number): LogLine[] {
  const state = sql.logState.get(runId);
  if (!state) throw new JobtrayError('not_found', `run ${runId} not found: cannot store its log lines`);
  let count = state.log_count;
  let truncated = state.log_truncated === 1;
  const stored: LogLine[] = [];
  for (const line of lines) {
    count += 1;
    if (truncated) continue;
    const overCap = count > cap;
    stored.push(
      overCap
        ? { run_id: runId, seq: count, ts: line.ts, stream: 'system', level: 'warn', message: truncationMarker(cap) }
        : { run_id: runId, seq: count, ts: line.ts, stream: line.stream, level: line.level, message: line.message },
    );
    truncated = overCap;
  }
  let i = 0;
  for (; i + LOG_ROWS_PER_INSERT <= stored.length; i += LOG_ROWS_PER_INSERT) {
    const params: (number | string)[] = [];
    for (let j = i; j < i + LOG_ROWS_PER_INSERT; j++) {
      const row = stored[j]!;
      params.push(row.run_id, row.seq, row.ts, row.stream, row.level, row.message);
    }
    sql.insertLogMany.run(...params);
  }
  for (; i < stored.length; i++) {
    const row = stored[i]!;
    sql.insertLog.run(row.run_id, row.seq, row.ts, row.stream, row.level, row.message);
  }
  sql.setLogState.run(count, truncated ? 1 : 0, runId);
  return stored;
}
