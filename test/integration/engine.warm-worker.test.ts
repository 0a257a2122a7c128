import { describe, expect, it } from 'vitest';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

// A warm worker gets its attempt by message, not as workerData: the job can tell.
const PROBE = `import { workerData } from 'node:worker_threads';
export default async () => ({ warm: !workerData?.run });`;

describe('warm worker', () => {
  it('starts the next attempt in a worker started ahead of time, one thread per attempt, matching the memory limit', async () => {
    const { engine } = await makeTestEngine({
      jobs: 'jobs:\n  - { id: probe, script: probe.mjs, overlap: queue }\n',
      files: { 'probe.mjs': PROBE },
    });
    const warmth = async () =>
      ((await waitForRun(engine, engine.trigger('probe', { actor: 'ui' }).id)).result as { warm: boolean }).warm;
    expect(await warmth()).toBe(false);
    expect(await warmth()).toBe(true);
    expect(await warmth()).toBe(true);
    // a different memory limit cannot use the spare started with the old one
    engine.updateSettings({ worker_memory_mb: 160 }, 'ui');
    expect(await warmth()).toBe(false);
    expect(await warmth()).toBe(true);
    await engine.close();
  });
});
