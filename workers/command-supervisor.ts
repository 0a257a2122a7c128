import { parentPort, type MessagePort } from 'node:worker_threads';
import { coerceError, JobtrayError } from '../contract/errors.js';
import {
  RUN_KEY_ENV,
  type EngineToSupervisor,
  type SupervisorToEngine,
  type WorkerOutcome,
  type WorkerRunSpec,
  type WorkerToEngine,
} from '../contract/worker-protocol.js';
import { runCommand } from './command-run.js';
import { RunAbortedError } from './job-api.js';
import { failure, Outbox } from './outbox.js';
import { killProcessesWithEnv } from './run-key-sweep.js';

/**
 * Bree worker entry: the command supervisor. One long-lived thread runs every
 * command attempt the engine hands it (`start`), at once: each in its own
 * process group with its run key, its output as packed log lines with the
 * same flow control as a one-attempt worker (run-job.ts), its cancel (SIGTERM
 * to the group), and one `result` per attempt after its last line. A command
 * attempt then costs a process spawn, not a worker thread.
 *
 * Invariants:
 * - Every message of an attempt carries its run id; per attempt they come in
 *   the order a one-attempt worker would post them, `result` last.
 * - Nothing here runs job code: a throw is a bug, and it ends the thread; the
 *   engine then handles each attempt it held like a crashed worker (tree killed
 *   by its run key, run failed and retried per its policy).
 * - After `forget` nothing more of that attempt is posted.
 */

interface Supervised {
  jobId: string;
  outbox: Outbox;
  controller: AbortController;
  forgotten: boolean;
}

const runs = new Map<number, Supervised>();

function startAttempt(port: MessagePort, spec: WorkerRunSpec): void {
  const runId = spec.run_id;
  const run: Supervised = {
    jobId: spec.job_id,
    outbox: new Outbox((message, transfer) => {
      if (!run.forgotten) port.postMessage({ run_id: runId, message } satisfies SupervisorToEngine, transfer);
    }, spec.log_window ?? Infinity),
    controller: new AbortController(),
    forgotten: false,
  };
  runs.set(runId, run);
  const finish = (outcome: WorkerOutcome) => {
    if (runs.get(runId) === run) runs.delete(runId);
    // Nothing of the command outlives its attempt: what left its process group is found by the run key.
    const key = spec.env[RUN_KEY_ENV];
    if (key) killProcessesWithEnv(RUN_KEY_ENV, key);
    run.outbox.flush();
    run.outbox.send({ type: 'result', outcome, swept: key !== undefined } satisfies WorkerToEngine);
  };
  const argv = spec.kind === 'command' ? spec.argv : null;
  if (!argv || argv.length === 0) {
    const why = `the command supervisor got run ${runId} of job "${spec.job_id}" without a command (kind ${spec.kind})`;
    finish(failure('exception', new JobtrayError('internal', why)));
    return;
  }
  runCommand(spec, argv, run.outbox, run.controller.signal).then(finish, (error: unknown) =>
    finish(failure('exception', coerceError(error))),
  );
}

function onMessage(port: MessagePort, message: EngineToSupervisor): void {
  if (message.type === 'start') return startAttempt(port, message.run);
  const run = runs.get(message.run_id);
  if (!run) return;
  switch (message.type) {
    case 'logs_written':
      return run.outbox.acknowledge(message.lines);
    case 'cancel':
      if (!run.controller.signal.aborted)
        run.controller.abort(new RunAbortedError(message.reason, message.run_id, run.jobId));
      return;
    case 'forget':
      // Nothing will acknowledge its lines any more: readers resume, lines go nowhere, the pipes end with the tree.
      run.forgotten = true;
      runs.delete(message.run_id);
      run.outbox.acknowledge(Number.MAX_SAFE_INTEGER);
      return;
  }
}

if (!parentPort)
  throw new Error('workers/command-supervisor.js must run as a worker thread (the engine starts it through Bree)');
const port = parentPort;
port.on('message', (message: EngineToSupervisor) => onMessage(port, message));
