import { describe, expect, it } from 'vitest';
import { isAlive, makeTestEngine } from '../helpers/engine.js';

describe('engine.stopRunsNow (a second quit while quitting)', () => {
  it('skips the grace period of a close under way: a run ignoring SIGTERM is killed at once', async () => {
    const { engine } = await makeTestEngine({
      // A grace period far longer than the test's own timeout: only the escalation can end it in time.
      settings: { kill_grace_ms: 600_000 },
      jobs: `
jobs:
  - id: stubborn
    command: [sh, -c, 'trap "" TERM; echo started; while true; do sleep 0.1; done']
`,
    });
    const run = engine.trigger('stubborn', { actor: 'ui' });
    const started = await engine.events.waitFor('run:log', (event) => event.run_id === run.id && event.lines.some((line) => line.message === 'started'));
    expect(started.run_id).toBe(run.id);
    const pid = engine.getRun(run.id).pid!;
    expect(isAlive(pid)).toBe(true);

    engine.stopRunsNow(); // not closing yet: nothing happens
    expect(isAlive(pid)).toBe(true);
    const closed = engine.close();
    engine.stopRunsNow();
    await closed;
    expect(isAlive(pid)).toBe(false);
  });
});
