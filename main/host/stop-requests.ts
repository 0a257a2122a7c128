/**
 * How a host answers requests to stop (SIGINT and SIGTERM for `jobtray
 * serve`; the desktop app's quit later): the first stops gracefully, the
 * second skips the rest of the grace period (forced), any later one changes
 * nothing. People press Ctrl+C twice and supervisors send TERM twice; neither
 * may leave a job's process or a `running` run behind.
 *
 * Free of process globals: the caller says what stopping does and where the
 * lines go, and wires the requests (signals, a quit event) to request().
 */

export type StopStage = 'running' | 'graceful' | 'forced';

/** The stage after one more stop request. */
export function nextStopStage(stage: StopStage): StopStage {
  return stage === 'running' ? 'graceful' : 'forced';
}

export interface StopActions {
  /**
   * Stops the host; resolves once it stopped. Called with `force: false` on
   * the first request, then `force: true` on the second, while the first
   * call is still under way: it must skip the rest of that one's grace period.
   */
  stop(options: { force: boolean }): Promise<void>;
  print(line: string): void;
}

export interface StopRequests {
  /** One request to stop; `source` names it in the printed line (a signal's name, "quit"). */
  request(source: string): void;
  readonly stage: StopStage;
  /** Resolves once the host stopped, or stopping failed (printed). */
  readonly stopped: Promise<void>;
}

export function createStopRequests(actions: StopActions): StopRequests {
  let stage: StopStage = 'running';
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const failed = (error: unknown) => {
    actions.print(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    resolveStopped();
  };
  return {
    get stage() {
      return stage;
    },
    stopped,
    request(source: string) {
      const previous = stage;
      stage = nextStopStage(stage);
      if (previous === 'running') {
        actions.print(
          `${source}: stopping (running runs are stopped and recorded as interrupted; press Ctrl+C again to stop now)…`,
        );
        actions.stop({ force: false }).then(resolveStopped, failed);
      } else if (previous === 'graceful') {
        actions.print(`${source}: stopping now (forced)`);
        // It shortens the stop under way, whose call resolves `stopped` and reports a failure.
        actions.stop({ force: true }).catch(() => {});
      } else {
        actions.print(`${source}: already stopping now (forced)`);
      }
    },
  };
}
