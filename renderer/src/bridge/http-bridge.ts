import type { ApiErrorBody, OperationName, OperationRequest, OperationResults } from '../../../contract/api.js';
import { BridgeError, type Bridge, type BridgeEvent, type ConnectionState } from '../../../contract/bridge.js';
import { STATE_EVENT_NAMES, type EngineEventName } from '../../../contract/events.js';
import { ACTOR_HEADER, EVENTS_PATH, operationRequest, pathFor } from '../../../contract/routes.js';
import { makeBridgeListeners } from '../../../contract/bridge-listeners.js';
import { openEventStream } from './event-stream.js';

/**
 * The bridge of the browser dashboard: operations over the Local API's HTTP
 * routes (derived from the contract by operationRequest), events over its
 * Server-Sent Events stream. The token is sent in the Authorization header
 * only, never in a URL.
 *
 * The stream asks for `run:log` only while a handler wants it (a run's log is
 * open): otherwise the host would serialize every line a chatty job prints
 * for a page that shows none of them. When that changes the stream is
 * reopened with the other filter, resumed from the last event it got.
 */

/** One operation with its input. */
export type OperationCall = { [K in OperationName]: [K, OperationRequest<K>] }[OperationName];

/** How long a first call's answer waits for the app to take it. */
const FIRST_ANSWER_FRESH_MS = 10_000;

export interface HttpBridgeOptions {
  /** The Local API's origin, e.g. `http://127.0.0.1:4770` (the page's own in a browser). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Calls made as soon as the event stream first opens, before anyone asks:
   * the page's app is still loading then, and its first load takes these
   * answers (an identical call within FIRST_ANSWER_FRESH_MS gets the answer
   * once) instead of asking again.
   */
  firstCalls?: readonly OperationCall[];
}

export function makeHttpBridge(options: HttpBridgeOptions): Bridge {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let followLogs = false;
  const listeners = makeBridgeListeners((follow) => {
    followLogs = follow;
    stream.reconnect();
  });
  const connectionHandlers = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'connecting';
  /**
   * Events that came before anyone subscribed (the stream opens while the app
   * is still starting): delivered in order right after the first subscriptions,
   * once the code that made them has run.
   */
  let held: BridgeEvent[] | null = [];
  let flushing = false;

  const firstAnswers = new Map<string, { answer: Promise<unknown>; at: number }>();
  const keyOf = (name: string, input: unknown) => `${name} ${JSON.stringify(input)}`;
  let askedFirst = false;

  const setConnection = (state: ConnectionState) => {
    if (state === connection) return;
    connection = state;
    if (state === 'connected' && !askedFirst) {
      askedFirst = true;
      for (const [name, input] of options.firstCalls ?? []) {
        const answer = callNow(name, input);
        // A failure reaches the caller that takes the answer; none is left unhandled meanwhile.
        answer.catch(() => undefined);
        firstAnswers.set(keyOf(name, input), { answer, at: Date.now() });
      }
    }
    for (const handler of [...connectionHandlers]) handler(state);
  };

  const stream = openEventStream({
    url: () => `${options.baseUrl}${EVENTS_PATH}${followLogs ? '' : `?events=${STATE_EVENT_NAMES.join(',')}`}`,
    token: options.token,
    fetch: doFetch,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onState: setConnection,
    onReset: (reason) => {
      listeners.reset(reason);
    },
    onEvent: (name, data) => {
      const event = { name, data } as BridgeEvent;
      if (held) held.push(event);
      else dispatch(event);
    },
  });

  function dispatch(event: BridgeEvent): void {
    listeners.dispatch(event.name, event.data);
  }

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${url}`, {
        ...init,
        cache: 'no-store',
        headers: {
          ...(init.headers as Record<string, string>),
          Authorization: `Bearer ${options.token}`,
          [ACTOR_HEADER]: 'ui',
        },
      });
    } catch (error) {
      throw new BridgeError(
        'unavailable',
        `Cannot reach Jobtray at ${options.baseUrl || 'this address'}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (response.ok) return response;
    if (response.status === 401) setConnection('unauthorized');
    throw await errorOf(response);
  }

  async function callNow<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
    const { method, url, body } = operationRequest(name, input);
    const response = await request(url, {
      method,
      ...(body !== null
        ? { body, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }
        : { headers: { Accept: 'application/json' } }),
    });
    return (await response.json()) as OperationResults[K];
  }

  return {
    kind: 'http',
    get connection() {
      return connection;
    },
    call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
      const key = keyOf(name, input);
      const first = firstAnswers.get(key);
      firstAnswers.delete(key);
      if (first && Date.now() - first.at < FIRST_ANSWER_FRESH_MS) return first.answer as Promise<OperationResults[K]>;
      return callNow(name, input);
    },
    subscribe<K extends EngineEventName>(events: readonly K[] | '*', handler: (event: BridgeEvent<K>) => void) {
      const off = listeners.subscribe(events, handler);
      // The first subscriptions are made in one go by the stores' setUp: the held events follow them.
      if (held && !flushing) {
        flushing = true;
        queueMicrotask(() => {
          const early = held ?? [];
          held = null;
          for (const event of early) dispatch(event);
        });
      }
      return off;
    },
    onReset: listeners.onReset,
    onConnection(handler) {
      connectionHandlers.add(handler);
      return () => connectionHandlers.delete(handler);
    },
    async readArtifact(runId, name) {
      return (await request(pathFor('runs:artifact', { id: runId, name }))).blob();
    },
    localApi: () => Promise.resolve({ url: options.baseUrl, token: options.token }),
    desktop: null,
    close() {
      stream.close();
      listeners.clear();
      connectionHandlers.clear();
    },
  };
}

/** The API's `{"error": {code, message, details}}`, or a description of what came instead. */
async function errorOf(response: Response): Promise<BridgeError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error && typeof body.error.message === 'string')
      return new BridgeError(body.error.code, body.error.message, body.error.details);
  } catch {
    // not JSON: described by its status below
  }
  return new BridgeError(
    response.status === 401 ? 'unauthorized' : 'internal',
    `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
  );
}
