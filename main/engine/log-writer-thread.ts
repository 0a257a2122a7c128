/**
 * The log writer's thread (log-writer.ts): log lines are stored here, with a
 * connection of its own to the run store (SQLite in WAL mode lets it write
 * beside the engine's), so the thread that serves the tray, IPC and the Local
 * API never spends its time inserting a chatty job's output.
 *
 * One request at a time, in the order received: `append` stores a batch of
 * one run's lines in one transaction (Store.appendLogs: numbering, the cap)
 * and answers with how many were stored — and the stored lines themselves
 * when the engine has a listener for them, packed in segments of about
 * LOG_SEGMENT_CHARS (contract/worker-protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JobtrayError } from '../../contract/errors.js';
import { logSegments, packLogLines, packedTransferList, unpackLogLines } from '../../contract/worker-protocol.js';
import type { LogWriterReply, LogWriterRequest, LogWriterStart } from './log-writer.js';
import { openStore, WriteLock } from './store/index.js';

if (!parentPort) throw new Error('log-writer-thread.js must run as a worker thread (log-writer.ts starts it)');
const port = parentPort;
const start = workerData as LogWriterStart;
const store = openStore({
  path: start.path,
  writeLock: new WriteLock(start.writeLock),
  ...(start.nativeBinding ? { nativeBinding: start.nativeBinding } : {}),
});
if (start.pageLimit !== null) store.setPageLimit(start.pageLimit);

function handle(request: LogWriterRequest): LogWriterReply | null {
  switch (request.type) {
    case 'page_limit':
      store.setPageLimit(request.pages);
      return null;
    case 'close':
      store.close();
      port.close();
      return null;
    case 'append':
      try {
        const lines =
          request.lines.length === 1 ? unpackLogLines(request.lines[0]!) : request.lines.flatMap(unpackLogLines);
        const stored = store.appendLogs(request.run_id, lines, request.cap);
        const first = stored[0]?.seq ?? 0;
        if (!request.want_lines || stored.length === 0)
          return { id: request.id, ok: true, count: stored.length, first_seq: first, lines: null };
        return {
          id: request.id,
          ok: true,
          count: stored.length,
          first_seq: first,
          lines: logSegments(stored).map(packLogLines),
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof JobtrayError ? error.code : null;
        const details = error instanceof JobtrayError ? error.details : null;
        return { id: request.id, ok: false, code, message, details };
      }
  }
}

port.on('message', (request: LogWriterRequest) => {
  const reply = handle(request);
  if (reply) port.postMessage(reply, reply.ok && reply.lines ? reply.lines.flatMap(packedTransferList) : []);
});
