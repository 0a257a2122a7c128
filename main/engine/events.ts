import type { EngineEventMap, EngineEventName } from '../../contract/events.js';
import type { Logger } from './logger.js';

type Listener<K extends EngineEventName> = (payload: EngineEventMap[K]) => void;

/**
 * Typed event bus. A listener that throws is logged and never breaks the
 * engine or the other listeners (graphile-worker's `safeEmit`).
 */
export class EngineEvents {
  private readonly listeners = new Map<EngineEventName, Set<Listener<EngineEventName>>>();

  constructor(private readonly logger: Logger) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends EngineEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<EngineEventName>);
    return () => set.delete(listener as Listener<EngineEventName>);
  }

  emit<K extends EngineEventName>(name: K, payload: EngineEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error(`listener of ${name} threw`, error);
      }
    }
  }

  /** Subscribes `listener` to each of `names`, told which one came; returns one unsubscribe function for all. */
  onEach(
    names: readonly EngineEventName[],
    listener: <K extends EngineEventName>(name: K, payload: EngineEventMap[K]) => void,
  ): () => void {
    const stops = names.map((name) => this.on(name, (payload) => listener(name, payload)));
    return () => {
      for (const stop of stops) stop();
    };
  }

  /** Whether anyone listens for `name`: costly payloads (the stored lines of `run:log`) are built only then. */
  has(name: EngineEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  /** Resolves with the first payload of `name` that matches `predicate`. */
  waitFor<K extends EngineEventName>(
    name: K,
    predicate: (payload: EngineEventMap[K]) => boolean = () => true,
  ): Promise<EngineEventMap[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (payload) => {
        if (predicate(payload)) {
          off();
          resolve(payload);
        }
      });
    });
  }

  clear(): void {
    this.listeners.clear();
  }
}
