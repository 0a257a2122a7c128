import type { Bridge, BridgeEvent } from './bridge.js';

/**
 * The listener half every Bridge implementation shares: event handlers with
 * the names they want (`'*'`: all), and reset handlers. A handler may
 * unsubscribe while being called (dispatch iterates over a copy).
 *
 * `run:log` is the one event whose volume follows a job's output, so the
 * other end sends it only while some handler wants it: `onFollowLogs` is
 * called with true when the first such handler subscribes and with false when
 * the last one leaves.
 */
export interface BridgeListeners extends Pick<Bridge, 'subscribe' | 'onReset'> {
  /** Hands one pushed event to every handler that wants its name. */
  dispatch(name: string, data: unknown): void;
  /** Tells every reset handler that events may have been missed. */
  reset(reason: string): void;
  clear(): void;
}

export function makeBridgeListeners(onFollowLogs: (follow: boolean) => void = () => {}): BridgeListeners {
  type AnyHandler = (event: BridgeEvent) => void;
  const handlers = new Map<AnyHandler, ReadonlySet<string> | null>();
  const resetHandlers = new Set<(reason: string) => void>();
  /** Subscriptions that want `run:log`. */
  let logFollowers = 0;
  return {
    subscribe(events, handler) {
      const key = handler as AnyHandler;
      handlers.set(key, events === '*' ? null : new Set<string>(events));
      if (events !== '*' && !(events as readonly string[]).includes('run:log')) return () => handlers.delete(key);
      logFollowers += 1;
      if (logFollowers === 1) onFollowLogs(true);
      let stopped = false;
      return () => {
        handlers.delete(key);
        if (stopped) return;
        stopped = true;
        logFollowers -= 1;
        if (logFollowers === 0) onFollowLogs(false);
      };
    },
    onReset(handler) {
      resetHandlers.add(handler);
      return () => resetHandlers.delete(handler);
    },
    dispatch(name, data) {
      const event = { name, data } as BridgeEvent;
      for (const [handler, names] of [...handlers]) if (names === null || names.has(name)) handler(event);
    },
    reset(reason) {
      for (const handler of [...resetHandlers]) handler(reason);
    },
    clear() {
      handlers.clear();
      resetHandlers.clear();
    },
  };
}
