import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CommandSupervisor } from '../../main/engine/command-supervisor.js';
import { Runner } from '../../main/engine/runner.js';
import { RUN_KEY_ENV, type WorkerToEngine } from '../../contract/worker-protocol.js';
import { track } from '../helpers/open-handles.js';
import { commandSpec, WORKER_FILE } from '../helpers/run-worker.js';

/** A supervisor thread that dies on its second attempt, after the first posted a line. */
const CRASHING = `const { parentPort } = require('node:worker_threads');
let started = 0;
parentPort.on('message', (m) => {
  if (m.type !== 'start') return;
  if (++started === 2) throw new Error('supervisor bug');
  parentPort.postMessage({ run_id: m.run.run_id, message: { type: 'started', at: Date.now() } });
});`;

describe('command supervisor', () => {
  it('runs many command attempts in one thread, each with its own messages and result', async () => {
    const runner = new Runner({ workerPath: WORKER_FILE, warmWorker: false });
    track({ name: 'runner', isOpen: () => runner.activeCount > 0, close: () => runner.close() });
    const messages = new Map<number, WorkerToEngine['type'][]>();
    const start = (runId: number, argv: string[]) =>
      runner.start(
        commandSpec(argv, {
          run_id: runId,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [RUN_KEY_ENV]: `supervisor-test:${runId}` },
        }),
        64,
        {
          onMessage: (message) => messages.set(runId, [...(messages.get(runId) ?? []), message.type]),
          onOutput: () => {},
        },
      );
    const handles = await Promise.all([
      start(1, ['sh', '-c', 'echo one']),
      start(2, ['sh', '-c', 'echo two; exit 3']),
      start(3, ['sh', '-c', 'sleep 30']),
    ]);
    handles[2]!.cancel('cancel');
    const exits = await Promise.all(handles.map((h) => h.exited));
    expect(exits.map((e) => e.outcome?.ok)).toEqual([true, false, false]);
    expect(exits.map((e) => e.swept)).toEqual([true, true, true]);
    expect(exits[1]!.outcome).toMatchObject({ code: 'exit_code', exit_code: 3 });
    expect(exits[2]!.outcome).toMatchObject({ code: 'exit_code', signal: 'SIGTERM' });
    for (const runId of [1, 2]) expect(messages.get(runId)).toEqual(['started', 'spawned', 'log']);
    expect(runner.activeCount).toBe(0);
    await runner.close();
  });

  it('when its thread dies, every attempt it held exits with the error, and the next attempt gets a new thread', async () => {
    const workers: Worker[] = [];
    const supervisor = new CommandSupervisor({
      start: async () => {
        const worker = new Worker(CRASHING, { eval: true });
        workers.push(worker);
        return worker;
      },
      remove: async () => {},
    });
    let open = true;
    track({
      name: 'command supervisor',
      isOpen: () => open,
      close: () => supervisor.close(),
    });
    const callbacks = { onMessage: () => {}, onOutput: () => {} };
    const first = await supervisor.start(commandSpec(['true'], { run_id: 1 }), callbacks);
    const second = await supervisor.start(commandSpec(['true'], { run_id: 2 }), callbacks);
    const [a, b] = await Promise.all([first.exited, second.exited]);
    for (const exit of [a, b]) {
      expect(exit.outcome).toBeNull();
      expect(exit.error?.message).toMatch(/supervisor bug/);
    }
    const third = await supervisor.start(commandSpec(['true'], { run_id: 3 }), callbacks);
    expect(workers).toHaveLength(2);
    await third.terminate();
    expect((await third.exited).outcome).toBeNull();
    await supervisor.close();
    open = false;
  });
});
