/**
 * The log writer's thread (log-writer.ts): log lines are stored here, with a
 * connection of its own to the run store (SQLite in WAL mode lets it write
 * beside the engine's), so the thread that serves the tray, IPC and the Local
 * API never spends its time inserting a chatty job's output.
 *
 * One request at a time, in the order received: `append` stores a batch of
 * one run's lines in one transaction (appendPacked: numbering, the cap)
 * and answers once it is stored — with the stored lines when the engine has
 * a listener for them, serialized, one `run:log` event's worth each
 * (SerializedLogLines, contract/worker-protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JobtrayError } from '../../contract/errors.js';
import { serializedTransferList, type StoreConnectionStart } from '../../contract/worker-protocol.js';
import type { LogWriterReply, LogWriterRequest } from './log-writer.js';
import { appendPacked, openStoreConnection, WRITE_LOCK_OWNERS } from './store/index.js';

if (!parentPort) throw new Error('log-writer-thread.js must run as a worker thread (log-writer.ts starts it)');
const port = parentPort;
const store = openStoreConnection(workerData as StoreConnectionStart, WRITE_LOCK_OWNERS.logWriter);

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
        const stored = appendPacked(store, request.run_id, request.lines, request.cap, request.want_lines);
        return { id: request.id, ok: true, lines: stored.lines };
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
  if (reply) port.postMessage(reply, reply.ok && reply.lines ? serializedTransferList(reply.lines) : []);
});
