import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createApp, type App } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { OperationName, OperationRequest, OperationResults } from '../../../contract/api.js';
import { BridgeError, type Bridge, type BridgeEvent, type ConnectionState } from '../../../contract/bridge.js';
import type { EngineEventMap, EngineEventName } from '../../../contract/events.js';
import { BRIDGE_KEY } from '../../../renderer/src/bridge/use-bridge.js';

type Answer<K extends OperationName> =
  OperationResults[K] | ((input: OperationRequest<K>) => OperationResults[K] | Promise<OperationResults[K]>);

/**
 * A bridge for component and store tests: operations answer from a table the
 * test fills (an unanswered one rejects, naming itself), events are pushed by
 * the test with emit(), and every call is recorded.
 */
export class FakeBridge implements Bridge {
  readonly kind = 'http' as const;
  readonly desktop = null;
  connection: ConnectionState = 'connecting';
  readonly calls: { name: OperationName; input: unknown }[] = [];
  private readonly answers = new Map<OperationName, Answer<OperationName>>();
  private readonly handlers = new Map<(event: BridgeEvent) => void, ReadonlySet<string> | null>();
  private readonly resetHandlers = new Set<(reason: string) => void>();
  private readonly connectionHandlers = new Set<(state: ConnectionState) => void>();

  answer<K extends OperationName>(name: K, answer: Answer<K>): this {
    this.answers.set(name, answer as Answer<OperationName>);
    return this;
  }

  async call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
    this.calls.push({ name, input });
    const answer = this.answers.get(name) as Answer<K> | undefined;
    if (answer === undefined) throw new BridgeError('not_found', `fake bridge: no answer for ${name}`);
    return typeof answer === 'function'
      ? await (answer as (input: OperationRequest<K>) => OperationResults[K])(input)
      : answer;
  }

  callsOf(name: OperationName): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input);
  }

  subscribe<K extends EngineEventName>(
    events: readonly K[] | '*',
    handler: (event: BridgeEvent<K>) => void,
  ): () => void {
    const key = handler as (event: BridgeEvent) => void;
    this.handlers.set(key, events === '*' ? null : new Set<string>(events));
    return () => this.handlers.delete(key);
  }

  /** How many handlers want events named `name`. */
  subscribers(name: EngineEventName): number {
    return [...this.handlers.values()].filter((names) => names === null || names.has(name)).length;
  }

  emit<K extends EngineEventName>(name: K, data: EngineEventMap[K]): void {
    for (const [handler, names] of [...this.handlers])
      if (names === null || names.has(name)) handler({ name, data } as BridgeEvent);
  }

  onReset(handler: (reason: string) => void): () => void {
    this.resetHandlers.add(handler);
    return () => this.resetHandlers.delete(handler);
  }

  reset(reason = 'test'): void {
    for (const handler of [...this.resetHandlers]) handler(reason);
  }

  onConnection(handler: (state: ConnectionState) => void): () => void {
    this.connectionHandlers.add(handler);
    return () => this.connectionHandlers.delete(handler);
  }

  setConnection(state: ConnectionState): void {
    this.connection = state;
    for (const handler of [...this.connectionHandlers]) handler(state);
  }

  readArtifact(): Promise<Blob> {
    return Promise.resolve(new Blob(['artifact']));
  }

  localApi() {
    return Promise.resolve({ url: 'http://127.0.0.1:4770', token: 'secret-token' });
  }

  close(): void {
    this.handlers.clear();
  }
}

export interface TestApp {
  app: App;
  pinia: Pinia;
  router: Router;
  /** Runs a store's or composable's setup inside the app (where inject() finds the bridge). */
  run<T>(fn: () => T): T;
}

/** An app with the bridge provided, Pinia and a memory router, for mounting components and using stores. */
export function makeTestApp(bridge: Bridge): TestApp {
  const app = createApp({ render: () => null });
  const pinia = createPinia();
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:all(.*)*', component: { render: () => null } }],
  });
  app.provide(BRIDGE_KEY, bridge);
  app.use(pinia);
  app.use(router);
  setActivePinia(pinia);
  return { app, pinia, router, run: (fn) => app.runWithContext(fn) };
}

/** `global` options for @vue/test-utils mount(): the same bridge, Pinia and router. */
export function mountOptions(test: TestApp, bridge: Bridge) {
  return { global: { plugins: [test.pinia, test.router], provide: { [BRIDGE_KEY as symbol]: bridge } } };
}
