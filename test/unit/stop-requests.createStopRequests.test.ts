import { describe, expect, it } from 'vitest';
import { createStopRequests, nextStopStage } from '../../main/host/stop-requests.js';

/** Stop actions that record what they were asked, with a stop the test ends (or fails). */
function fakeHost() {
  const calls: { force: boolean }[] = [];
  const lines: string[] = [];
  let finish!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
  const stop = (options: { force: boolean }) => {
    calls.push(options);
    return done;
  };
  return { calls, lines, finish, actions: { stop, print: (line: string) => void lines.push(line) } };
}

describe('nextStopStage', () => {
  it('running → graceful → forced, and forced stays forced', () => {
    expect(nextStopStage('running')).toBe('graceful');
    expect(nextStopStage('graceful')).toBe('forced');
    expect(nextStopStage('forced')).toBe('forced');
  });
});

describe('createStopRequests', () => {
  it('the first request stops gracefully; `stopped` resolves when the stop does', async () => {
    const host = fakeHost();
    const requests = createStopRequests(host.actions);
    expect(requests.stage).toBe('running');
    requests.request('SIGTERM');
    expect(requests.stage).toBe('graceful');
    expect(host.calls).toEqual([{ force: false }]);
    expect(host.lines).toEqual([
      'SIGTERM: stopping (running runs are stopped and recorded as interrupted; press Ctrl+C again to stop now)…',
    ]);
    let stopped = false;
    void requests.stopped.then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    host.finish();
    await requests.stopped;
  });

  it('the second request forces the stop under way; a third changes nothing', async () => {
    const host = fakeHost();
    const requests = createStopRequests(host.actions);
    requests.request('SIGTERM');
    requests.request('SIGINT');
    expect(requests.stage).toBe('forced');
    expect(host.calls).toEqual([{ force: false }, { force: true }]);
    expect(host.lines[1]).toBe('SIGINT: stopping now (forced)');
    requests.request('SIGINT');
    expect(requests.stage).toBe('forced');
    expect(host.calls).toHaveLength(2);
    expect(host.lines[2]).toBe('SIGINT: already stopping now (forced)');
    host.finish();
    await requests.stopped;
  });

  it('a failed stop is printed once and still ends the wait', async () => {
    const host = fakeHost();
    const requests = createStopRequests(host.actions);
    requests.request('SIGTERM');
    requests.request('SIGTERM');
    host.finish(new Error('disk gone'));
    await requests.stopped;
    expect(host.lines.filter((l) => l.startsWith('shutdown failed'))).toEqual(['shutdown failed: disk gone']);
  });
});
