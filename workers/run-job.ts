import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { coerceError, JobtrayError } from '../contract/errors.js';
import { JOB_KINDS, type LogLevel } from '../contract/model.js';
import type { EngineToWorker, WorkerOutcome, WorkerRunSpec, WorkerToEngine } from '../contract/worker-protocol.js';
import { runCommand } from './command-run.js';
import { FatalError, RunAbortedError, type JobContext, type JobFunction } from './job-api.js';
import { describe, failure, failureFromThrow, Outbox, postArtifact } from './outbox.js';

/**
 * Bree worker entry: runs ONE attempt of a job (a script module in this thread,
 * or a command as a child process) and speaks contract/worker-protocol.ts.
 *
 * Invariants:
 * - It never posts Bree's 'done' (Bree would drop every `exit` listener).
 * - It posts exactly one `result`, after every log line and the last progress.
 * - It never calls process.exit: after `result` it stops listening so the
 *   thread ends when the job's own handles are gone. The engine enforces
 *   timeouts (terminate + SIGKILL of the tree); cancel here is the graceful part.
 */

// ---------------------------------------------------------------- script jobs

function makeContext(spec: WorkerRunSpec, outbox: Outbox, signal: AbortSignal): JobContext {
  const logAt = (level: LogLevel) => (message: unknown) => outbox.log('job', level, describe(message));
  return {
    params: spec.params,
    runId: spec.run_id,
    attempt: spec.attempt,
    jobId: spec.job_id,
    cwd: spec.cwd,
    signal,
    progress: (percent, step) => outbox.progress(percent, typeof step === 'string' ? step : null),
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    artifact: async (name, source) => {
      const problem = postArtifact(outbox, spec, name, source);
      if (problem) {
        outbox.log('system', 'error', problem);
        throw new JobtrayError('invalid_input', problem);
      }
    },
    FatalError,
  };
}

/** console.* in the job module becomes log lines of the run (stream 'job'). */
function captureConsole(outbox: Outbox): void {
  const to =
    (level: LogLevel) =>
    (...args: unknown[]) =>
      outbox.log('job', level, format(...args));
  console.debug = to('debug');
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warn');
  console.error = to('error');
}

function pickJobFunction(module: Record<string, unknown>, file: string): JobFunction {
  const candidate = typeof module.default === 'function' ? module.default : module.run;
  if (typeof candidate === 'function') return candidate as JobFunction;
  const names = Object.keys(module).join(', ') || 'none';
  throw new JobtrayError(
    'invalid_input',
    `Script ${file} exports neither a default function nor a function named "run" (its exports: ${names})`,
  );
}

/** The job's return value as JSON data (what the run store keeps). */
function jsonResult(value: unknown, spec: WorkerRunSpec): WorkerOutcome {
  try {
    const json = JSON.stringify(value);
    return { ok: true, result: json === undefined ? null : (JSON.parse(json) as unknown) };
  } catch (error) {
    const why = coerceError(error).message;
    return failure(
      'exception',
      new Error(
        `Job "${spec.job_id}" (${spec.script}) returned a value that cannot be stored as JSON (${why}); return plain data: objects, arrays, strings, numbers, booleans, null`,
      ),
    );
  }
}

async function runScript(
  spec: WorkerRunSpec,
  script: string,
  outbox: Outbox,
  signal: AbortSignal,
): Promise<WorkerOutcome> {
  const ctx = makeContext(spec, outbox, signal);
  outbox.send({ type: 'started', at: Date.now() });
  try {
    const job = pickJobFunction((await import(pathToFileURL(script).href)) as Record<string, unknown>, script);
    return jsonResult(await job(ctx), spec);
  } catch (error) {
    return failureFromThrow(error, signal);
  }
}

// ----------------------------------------------------------------------- main

function readSpec(data: unknown): WorkerRunSpec {
  const spec = (data as { run?: WorkerRunSpec } | null)?.run;
  if (!spec || typeof spec !== 'object' || !JOB_KINDS.includes(spec.kind)) {
    throw new JobtrayError('internal', 'run-job worker started without a valid workerData.run (WorkerRunSpec)');
  }
  return spec;
}

async function runJob(spec: WorkerRunSpec, outbox: Outbox, signal: AbortSignal): Promise<WorkerOutcome> {
  if (spec.kind === 'script') {
    if (!spec.script)
      throw new JobtrayError('internal', `Script job "${spec.job_id}" (run ${spec.run_id}) has no script path`);
    return runScript(spec, spec.script, outbox, signal);
  }
  if (!spec.argv || spec.argv.length === 0) {
    throw new JobtrayError('internal', `Command job "${spec.job_id}" (run ${spec.run_id}) has an empty argv`);
  }
  return runCommand(spec, spec.argv, outbox, signal);
}

function main(port: MessagePort, spec: WorkerRunSpec): void {
  const outbox = new Outbox((message, transfer) => port.postMessage(message, transfer), spec.log_window ?? Infinity);
  const controller = new AbortController();
  let finished = false;

  const onMessage = (message: EngineToWorker) => {
    if (message?.type === 'logs_written') outbox.acknowledge(message.lines);
    if (message?.type === 'cancel' && !controller.signal.aborted) {
      controller.abort(new RunAbortedError(message.reason, spec.run_id, spec.job_id));
    }
  };
  const finish = (outcome: WorkerOutcome) => {
    if (finished) return;
    finished = true;
    outbox.flush();
    port.postMessage({ type: 'result', outcome } satisfies WorkerToEngine);
    // Stop listening so the thread can end once the job's own handles are gone.
    port.off('message', onMessage);
    port.unref();
  };
  // Errors that escape the job's promise (a throw in a timer, an unhandled
  // rejection) still end the attempt with a result instead of a bare crash.
  const onEscaped = (error: unknown) => {
    if (!finished) return finish(failureFromThrow(error, controller.signal));
    outbox.log('system', 'error', `Job code failed after its result was reported: ${describe(error)}`);
    outbox.flush();
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  port.on('message', onMessage);
  captureConsole(outbox);

  runJob(spec, outbox, controller.signal).then(finish, (error: unknown) =>
    finish(failure('exception', coerceError(error))),
  );
}

if (!parentPort) throw new Error('workers/run-job.js must run as a worker thread (the engine starts it through Bree)');
const port = parentPort;
if ((workerData as { run?: unknown } | null)?.run) {
  main(port, readSpec(workerData));
} else {
  // A warm worker: started ahead of time with its modules loaded, it waits for the attempt to run.
  port.once('message', (message: EngineToWorker) => {
    if (message?.type !== 'start')
      throw new JobtrayError(
        'internal',
        `a warm run-job worker expected a start message, got ${JSON.stringify(message)?.slice(0, 100)}`,
      );
    main(port, readSpec(message));
  });
}
