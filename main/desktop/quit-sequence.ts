/**
 * Quitting the desktop app, as a state machine (pure) and its driver.
 *
 *   running ──quit──► closing ──engine closed──► exiting: exit(0)
 *                        │ quit again, or the graceful time is up
 *                        ▼
 *                     forcing ──closed──► exiting: exit(0)
 *                        └──time is up──► exiting: exit(1) (a hung engine)
 *
 * Invariants:
 * - Electron's `before-quit` is prevented while the engine closes, so the app
 *   does not die with runs whose processes would outlive it; the driver ends
 *   the process itself with `app.exit()`, never `app.quit()` (calling it again
 *   from `will-quit` hangs, electron#33643);
 * - the graceful close (runs stopped through the engine's kill path: signal,
 *   then SIGKILL after the grace period) is bounded; a second quit, or the
 *   bound, goes to the forced close (every run's tree killed now), itself bounded;
 * - the app always exits: a hung engine costs at most both bounds.
 */

export type QuitPhase = 'running' | 'closing' | 'forcing' | 'exiting';
export type QuitEvent = { type: 'quit' } | { type: 'closed' } | { type: 'failed'; error: string } | { type: 'timeout' };
export type QuitEffect =
  | { type: 'close-engine' }
  | { type: 'force-close' }
  /** Arm the phase's timer (the previous one is cleared). */
  | { type: 'arm-timer'; ms: number }
  | { type: 'log'; message: string }
  | { type: 'exit'; code: number };

export interface QuitTiming {
  /** How long the graceful close may take: the engine's kill grace plus room to record the runs. */
  gracefulMs: number;
  /** How long the forced close may take. */
  forcedMs: number;
}

export interface QuitStep {
  phase: QuitPhase;
  /** Keep Electron from quitting by itself (call `event.preventDefault()`). */
  preventDefault: boolean;
  effects: QuitEffect[];
}

export function quitStep(phase: QuitPhase, event: QuitEvent, timing: QuitTiming): QuitStep {
  const stay = (effects: QuitEffect[] = []): QuitStep => ({
    phase,
    preventDefault: event.type === 'quit' && phase !== 'exiting',
    effects,
  });
  const force = (why: string): QuitStep => ({
    phase: 'forcing',
    preventDefault: event.type === 'quit',
    effects: [
      { type: 'log', message: `${why}: killing running runs now` },
      { type: 'force-close' },
      { type: 'arm-timer', ms: timing.forcedMs },
    ],
  });
  const exit = (code: number, message: string): QuitStep => ({
    phase: 'exiting',
    preventDefault: false,
    effects: [
      { type: 'log', message },
      { type: 'exit', code },
    ],
  });

  switch (phase) {
    case 'running':
      if (event.type !== 'quit') return stay();
      return {
        phase: 'closing',
        preventDefault: true,
        effects: [
          { type: 'log', message: 'quitting: stopping running runs' },
          { type: 'close-engine' },
          { type: 'arm-timer', ms: timing.gracefulMs },
        ],
      };
    case 'closing':
      if (event.type === 'quit') return force('quit again while quitting');
      if (event.type === 'timeout') return force(`the engine did not close within ${timing.gracefulMs} ms`);
      if (event.type === 'closed') return exit(0, 'engine closed; exiting');
      return exit(1, `closing the engine failed: ${event.error}; exiting`);
    case 'forcing':
      if (event.type === 'quit') return stay();
      if (event.type === 'closed') return exit(0, 'engine closed; exiting');
      if (event.type === 'timeout')
        return exit(1, `the engine did not close within ${timing.forcedMs} ms of the forced close; exiting anyway`);
      return exit(1, `closing the engine failed: ${event.error}; exiting`);
    case 'exiting':
      return stay();
  }
}

export interface QuitActions {
  /** The graceful close; settles when the engine (and the Local API) are closed. */
  closeEngine(): Promise<void>;
  /** Kills every running run now; the graceful close then settles soon after. */
  forceClose(): void;
  exit(code: number): void;
  log(message: string): void;
  setTimer(ms: number, callback: () => void): { clear(): void };
}

export interface QuitSequence {
  readonly phase: QuitPhase;
  /** Electron's `before-quit` (and any other request to quit). */
  onQuit(event?: { preventDefault(): void }): void;
}

/** The driver: runs the machine's effects. */
export function makeQuitSequence(actions: QuitActions, timing: QuitTiming): QuitSequence {
  let phase: QuitPhase = 'running';
  let timer: { clear(): void } | null = null;

  const dispatch = (event: QuitEvent, electronEvent?: { preventDefault(): void }) => {
    const step = quitStep(phase, event, timing);
    phase = step.phase;
    if (step.preventDefault) electronEvent?.preventDefault();
    for (const effect of step.effects) {
      switch (effect.type) {
        case 'close-engine':
          actions.closeEngine().then(
            () => dispatch({ type: 'closed' }),
            (error: unknown) =>
              dispatch({ type: 'failed', error: error instanceof Error ? error.message : String(error) }),
          );
          break;
        case 'force-close':
          actions.forceClose();
          break;
        case 'arm-timer':
          timer?.clear();
          timer = actions.setTimer(effect.ms, () => dispatch({ type: 'timeout' }));
          break;
        case 'log':
          actions.log(effect.message);
          break;
        case 'exit':
          timer?.clear();
          timer = null;
          actions.exit(effect.code);
          break;
      }
    }
  };

  return {
    get phase() {
      return phase;
    },
    onQuit: (event) => dispatch({ type: 'quit' }, event),
  };
}
