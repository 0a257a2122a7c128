import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { coerceError, JobtrayError } from '../contract/errors.js';
import type { LogLineInput } from '../contract/model.js';
import {
  packedTransferList,
  serializedTransferList,
  packLogLines,
  RUN_KEY_ENV,
  type EngineToSupervisor,
  type SupervisorLogState,
  type SupervisorStart,
  type SupervisorToEngine,
  type WorkerOutcome,
  type WorkerRunSpec,
  type WorkerToEngine,
} from '../contract/worker-protocol.js';
// The one import of the engine's layer from workers/ (eslint.config.js): the store, to write log lines here.
// Loaded when a command first hands over lines while it still runs (loadStore): a supervisor whose commands print only
// when they end (their last batch goes to the engine with the run's final state) never pays for it.
import type { Store } from '../main/engine/store/index.js';
import { runCommand } from './command-run.js';
import { RunAbortedError } from './job-api.js';
import { failure, Outbox } from './outbox.js';
import { killProcessesWithEnv } from './run-key-sweep.js';

/**
 * Bree worker entry: the command supervisor. One long-lived thread runs every
 * command attempt the engine hands it (`start`), at once: each in its own
 * process group with its run key, its output (stored here, see below) with the
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
 *
 * Log lines are stored here, with a connection of the thread's own to the
 * run store (SupervisorStart), so a chatty command's output never crosses to
 * the engine's thread and back to the log writer's: one busy thread fewer
 * while it prints (benchmark B3, docs/PERFORMANCE.md). Per attempt:
 * - the batches the Outbox hands over during the command are stored on the
 *   next turn of the event loop, after the output readers took what the
 *   command wrote, so it writes on meanwhile. Each is reported as
 *   `log_stored` (with the lines, serialized, when the engine follows
 *   `run:log`: serializing them here spares the engine's thread) and
 *   counts against the window until acknowledged, so the engine announcing
 *   the lines still paces the command. Nobody following, batches waiting
 *   together share a transaction (up to MERGED_LINES);
 * - the batch of the final flush goes to the engine as `log`, so the engine
 *   stores a short run's few lines with its final state (RunLogBuffer.drain);
 * - once a batch cannot be stored (a storage problem), it and every later
 *   batch of the attempt go to the engine as `log`: the engine counts and
 *   drops them, or stores them, in order, as it does a script's lines.
 */

interface Supervised {
  jobId: string;
  outbox: Outbox;
  controller: AbortController;
  forgotten: boolean;
  /** The engine's log cap and whether it follows `run:log`, as it last said. */
  log: SupervisorLogState;
  /** False once a batch could not be stored here: batches go to the engine from then on. */
  storing: boolean;
  /** The command has ended: the final flush goes to the engine (stored there with the run's final state). */
  ending: boolean;
  /**
   * Batches to store on the next turn of the event loop, in order: the
   * output readers first drain what the command wrote, so it can write on
   * while this thread inserts. The attempt's other messages that come
   * meanwhile wait here too, behind its batches.
   */
  queued: (LogLineInput[] | Held)[];
}

/** A message held behind batches not stored yet. */
interface Held {
  message: WorkerToEngine;
  transfer: ArrayBuffer[] | undefined;
}

const start = workerData as Partial<SupervisorStart> | undefined;
const storeStart = start?.store ?? null;
let pageLimit = storeStart?.pageLimit ?? null;
type StoreModule = typeof import('../main/engine/store/index.js');
let storeModule: StoreModule | null = null;
let storeLoading: Promise<void> | null = null;
/** Opened with the first batch to store; null until then, or when it could not be loaded or opened. */
let store: Store | null = null;
/** True when there is no store to write to: every batch goes to the engine, which stores it (or says why not). */
let storeFailed = storeStart === null;
const runs = new Map<number, Supervised>();

/** Loaded, or given up: batches can be handled now. */
function storeSettled(): boolean {
  return storeModule !== null || storeFailed;
}

function loadStore(): Promise<void> {
  storeLoading ??= import('../main/engine/store/index.js').then(
    (module) => void (storeModule = module),
    () => void (storeFailed = true),
  );
  return storeLoading;
}

function logStore(): Store | null {
  if (store || storeFailed || !storeStart || !storeModule) return store;
  try {
    store = storeModule.openStoreConnection(
      { ...storeStart, pageLimit },
      storeModule.WRITE_LOCK_OWNERS.commandSupervisor,
    );
  } catch {
    storeFailed = true;
  }
  return store;
}

/** Nobody following the lines, batches waiting together are stored in one transaction of up to this many lines. */
const MERGED_LINES = 2_000;

function post(port: MessagePort, runId: number, message: WorkerToEngine, transfer?: ArrayBuffer[]): void {
  port.postMessage({ run_id: runId, message } satisfies SupervisorToEngine, transfer);
}

/**
 * Stores a batch of the attempt's lines in one transaction and says so
 * (`log_stored`); once one cannot be stored, it and every later batch of the
 * attempt go to the engine as `log`.
 */
function storeBatch(port: MessagePort, runId: number, run: Supervised, lines: LogLineInput[]): void {
  const target = run.storing ? logStore() : null;
  if (target && storeModule) {
    try {
      const stored = storeModule.appendBatch(target, runId, lines, run.log.cap, run.log.follow);
      const message: WorkerToEngine = {
        type: 'log_stored',
        posted: lines.length,
        count: stored.count,
        first_seq: stored.first_seq,
        lines: stored.lines,
      };
      return post(port, runId, message, stored.lines ? serializedTransferList(stored.lines) : undefined);
    } catch {
      // The engine tries this batch again and learns why it fails; later ones follow it there, in order.
      run.storing = false;
    }
  }
  const packed = packLogLines(lines);
  post(port, runId, { type: 'log', packed }, packedTransferList(packed));
}

/** Stores (or hands on) the attempt's queued batches and posts the messages held behind them, in order. */
function storeQueued(port: MessagePort, runId: number, run: Supervised): void {
  const queued = run.queued;
  if (queued.length === 0) return;
  run.queued = [];
  let lines: LogLineInput[] | null = null;
  const storeHeld = () => {
    if (lines) storeBatch(port, runId, run, lines);
    lines = null;
  };
  for (const item of queued) {
    if (!Array.isArray(item)) {
      storeHeld();
      post(port, runId, item.message, item.transfer);
    } else if (run.log.follow) {
      // Someone follows the lines: a batch each, announced one per turn by the engine.
      storeBatch(port, runId, run, item);
    } else if (lines && lines.length + item.length <= MERGED_LINES) {
      // The Outbox handed the batch over: ours to join.
      lines.push(...item);
    } else {
      storeHeld();
      lines = item;
    }
  }
  storeHeld();
}

/** Attempts with batches queued to be stored, stored on the next turn of the event loop. */
const queuedRuns = new Map<number, Supervised>();
/** The turn (or, the store's module still loading, the load) the queued batches wait for. */
let storeSoon: NodeJS.Immediate | Promise<void> | null = null;

function storeLater(port: MessagePort, runId: number, run: Supervised): void {
  queuedRuns.set(runId, run);
  if (storeSoon) return;
  const storeAll = () => {
    storeSoon = null;
    for (const [id, queued] of queuedRuns) {
      queuedRuns.delete(id);
      storeQueued(port, id, queued);
    }
  };
  if (storeSettled()) storeSoon = setImmediate(storeAll);
  else storeSoon = loadStore().then(() => void (storeSoon = setImmediate(storeAll)));
}

function startAttempt(port: MessagePort, spec: WorkerRunSpec, log: SupervisorLogState): void {
  const runId = spec.run_id;
  const run: Supervised = {
    jobId: spec.job_id,
    outbox: new Outbox(
      (message, transfer) => {
        if (run.forgotten) return;
        // Behind batches waiting to be stored, it waits too: the engine sees everything in order.
        if (run.queued.length > 0) return void run.queued.push({ message, transfer });
        post(port, runId, message, transfer);
      },
      spec.log_window ?? Infinity,
      (lines) => {
        if (run.forgotten || !run.storing || run.ending || storeFailed) return false;
        run.queued.push(lines);
        storeLater(port, runId, run);
        return true;
      },
    ),
    controller: new AbortController(),
    forgotten: false,
    log,
    storing: true,
    ending: false,
    queued: [],
  };
  runs.set(runId, run);
  const finish = (outcome: WorkerOutcome) => {
    if (runs.get(runId) === run) runs.delete(runId);
    // Nothing of the command outlives its attempt: what left its process group is found by the run key.
    const key = spec.env[RUN_KEY_ENV];
    if (key) killProcessesWithEnv(RUN_KEY_ENV, key);
    run.ending = true;
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
  if (message.type === 'start') return startAttempt(port, message.run, message.log);
  if (message.type === 'page_limit') {
    pageLimit = message.pages;
    store?.setPageLimit(pageLimit);
    return;
  }
  const run = runs.get(message.run_id);
  if (!run) return;
  switch (message.type) {
    case 'logs_written':
      run.log = message.log;
      return run.outbox.acknowledge(message.lines);
    case 'cancel':
      if (!run.controller.signal.aborted)
        run.controller.abort(new RunAbortedError(message.reason, message.run_id, run.jobId));
      return;
    case 'forget':
      // Nothing will acknowledge its lines any more: readers resume, lines go nowhere, the pipes end with the tree.
      run.forgotten = true;
      run.queued = [];
      runs.delete(message.run_id);
      run.outbox.acknowledge(Number.MAX_SAFE_INTEGER);
      return;
  }
}

if (!parentPort)
  throw new Error('workers/command-supervisor.js must run as a worker thread (the engine starts it through Bree)');
const port = parentPort;
port.on('message', (message: EngineToSupervisor) => onMessage(port, message));
