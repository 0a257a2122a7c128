import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  unpackLogLines,
  type EngineToWorker,
  type WorkerOutcome,
  type WorkerToEngine,
} from '../../contract/worker-protocol.js';
import { eventually } from '../helpers/engine.js';
import { track } from '../helpers/open-handles.js';
import { commandSpec, WORKER_FILE } from '../helpers/run-worker.js';

const LINES = 50_000;
const WINDOW = 1_000;
/** The worker's largest log message (LOG_BATCH_MAX in workers/run-job.ts). */
const BATCH_MAX = 500;

describe('run-job worker: log flow control (log_window)', () => {
  it('stops posting a window ahead of the acknowledgements, then delivers every line in order', async () => {
    const spec = commandSpec(['python3', '-c', `for i in range(${LINES}): print(f"line {i}")`], { log_window: WINDOW });
    const worker = new Worker(WORKER_FILE, { workerData: { run: spec } });
    // Listened for from the start: when this thread is busy (load) while the
    // worker posts its result and exits, Node delivers the result and emits
    // 'exit' in one turn, before the code after `await result` runs.
    let open = true;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    void exited.then(() => (open = false));
    track({
      name: 'run-job worker (log window)',
      isOpen: () => open,
      close: () => worker.terminate().then(() => undefined),
    });

    const received: string[] = [];
    let acknowledging = false;
    const result = new Promise<WorkerOutcome>((resolve) => {
      worker.on('message', (message: WorkerToEngine) => {
        if (message.type === 'result') return resolve(message.outcome);
        if (message.type !== 'log') return;
        const lines = unpackLogLines(message.packed);
        received.push(...lines.map((l) => l.message));
        if (acknowledging) worker.postMessage({ type: 'logs_written', lines: lines.length } satisfies EngineToWorker);
      });
    });

    // Nothing acknowledges yet: the worker must stop once a window is posted (the child then blocks on its pipe).
    let seen = -1;
    await eventually(() => {
      const settled = received.length >= WINDOW && received.length === seen;
      seen = received.length;
      return settled;
    }, 'the worker to stop posting');
    expect(received.length).toBeLessThan(WINDOW + BATCH_MAX);

    acknowledging = true;
    worker.postMessage({ type: 'logs_written', lines: received.length } satisfies EngineToWorker);
    expect(await result).toEqual({ ok: true, result: null, exit_code: 0 });
    expect(received).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i}`));
    expect(await exited).toBe(0);
  });
});
