import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeQuitSequence, quitStep, type QuitActions } from '../../main/desktop/quit-sequence.js';

const TIMING = { gracefulMs: 10_000, forcedMs: 3_000 };

describe('quitStep', () => {
  it('the first quit is prevented and starts the graceful close with its bound', () => {
    expect(quitStep('running', { type: 'quit' }, TIMING)).toEqual({
      phase: 'closing',
      preventDefault: true,
      effects: [
        { type: 'log', message: 'quitting: stopping running runs' },
        { type: 'close-engine' },
        { type: 'arm-timer', ms: 10_000 },
      ],
    });
  });

  it('closed → exit(0); a second quit or the bound → forced close; the forced bound → exit(1)', () => {
    expect(quitStep('closing', { type: 'closed' }, TIMING)).toMatchObject({
      phase: 'exiting',
      effects: [{ type: 'log' }, { type: 'exit', code: 0 }],
    });
    expect(quitStep('closing', { type: 'quit' }, TIMING)).toMatchObject({
      phase: 'forcing',
      preventDefault: true,
      effects: [{ type: 'log' }, { type: 'force-close' }, { type: 'arm-timer', ms: 3_000 }],
    });
    expect(quitStep('closing', { type: 'timeout' }, TIMING)).toMatchObject({
      phase: 'forcing',
      preventDefault: false,
      effects: [
        { type: 'log', message: expect.stringContaining('did not close within 10000 ms') },
        { type: 'force-close' },
        { type: 'arm-timer' },
      ],
    });
    expect(quitStep('forcing', { type: 'timeout' }, TIMING)).toMatchObject({
      phase: 'exiting',
      effects: [{ type: 'log' }, { type: 'exit', code: 1 }],
    });
    expect(quitStep('forcing', { type: 'closed' }, TIMING)).toMatchObject({
      phase: 'exiting',
      effects: [{ type: 'log' }, { type: 'exit', code: 0 }],
    });
    expect(quitStep('closing', { type: 'failed', error: 'disk' }, TIMING)).toMatchObject({
      phase: 'exiting',
      effects: [
        { type: 'log', message: expect.stringContaining('disk') },
        { type: 'exit', code: 1 },
      ],
    });
  });

  it('a third quit while forcing changes nothing but is still prevented; nothing happens before the first quit', () => {
    expect(quitStep('forcing', { type: 'quit' }, TIMING)).toEqual({
      phase: 'forcing',
      preventDefault: true,
      effects: [],
    });
    expect(quitStep('running', { type: 'timeout' }, TIMING)).toEqual({
      phase: 'running',
      preventDefault: false,
      effects: [],
    });
    expect(quitStep('exiting', { type: 'quit' }, TIMING)).toEqual({
      phase: 'exiting',
      preventDefault: false,
      effects: [],
    });
  });
});

describe('makeQuitSequence', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function actions(close: () => Promise<void>) {
    const done: string[] = [];
    const calls: QuitActions = {
      closeEngine: () => {
        done.push('close');
        return close();
      },
      forceClose: () => done.push('force'),
      exit: (code) => done.push(`exit ${code}`),
      log: () => {},
      setTimer: (ms, callback) => {
        const timer = setTimeout(callback, ms);
        return { clear: () => clearTimeout(timer) };
      },
    };
    return { calls, done };
  }

  it('a hung engine: prevented once, the graceful bound forces, the forced bound exits with 1', async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, done } = actions(() => new Promise<void>(() => {}));
    const quit = makeQuitSequence(calls, TIMING);
    const prevented = vi.fn();
    quit.onQuit({ preventDefault: prevented });
    expect(prevented).toHaveBeenCalledTimes(1);
    expect(quit.phase).toBe('closing');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(done).toEqual(['close']);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual(['close', 'force']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(done).toEqual(['close', 'force', 'exit 1']);
    expect(quit.phase).toBe('exiting');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a second quit while closing forces at once; the engine closing then exits with 0 and clears the timer', async () => {
    vi.useFakeTimers({ now: 0 });
    let closed!: () => void;
    const { calls, done } = actions(() => new Promise<void>((resolve) => (closed = resolve)));
    const quit = makeQuitSequence(calls, TIMING);
    quit.onQuit({ preventDefault: () => {} });
    const second = vi.fn();
    quit.onQuit({ preventDefault: second });
    expect(second).toHaveBeenCalledTimes(1);
    expect(done).toEqual(['close', 'force']);
    closed();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual(['close', 'force', 'exit 0']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
