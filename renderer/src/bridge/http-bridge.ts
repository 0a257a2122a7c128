import type { ApiErrorBody, OperationName, OperationRequest, OperationResults } from '../../../contract/api.js';
import { BridgeError, type Bridge, type ConnectionState } from '../../../contract/bridge.js';
import { makeBridgeListeners } from '../../../contract/bridge-listeners.js';
import { ACTOR_HEADER, EVENTS_PATH, operationRequest, pathFor } from '../../../contract/routes.js';
import { openEventStream } from './event-stream.js';

/**
 * The bridge of the browser dashboard: operations over the Local API's HTTP
 * routes (derived from the contract by operationRequest), events over its
 * Server-Sent Events stream. The token is sent in the Authorization header
 * only, never in a URL.
 */

export interface HttpBridgeOptions {
  /** The Local API's origin, e.g. `http://127.0.0.1:4770` (the page's own in a browser). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  backoff?: { initialMs: number; maxMs: number };
}

export function makeHttpBridge(options: HttpBridgeOptions): Bridge {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const listeners = makeBridgeListeners();
  const connectionHandlers = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'connecting';

  const setConnection = (state: ConnectionState) => {
    if (state === connection) return;
    connection = state;
    for (const handler of [...connectionHandlers]) handler(state);
  };

  const stream = openEventStream({
    url: `${options.baseUrl}${EVENTS_PATH}`,
    token: options.token,
    fetch: doFetch,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onState: setConnection,
    onReset: (reason) => {
      listeners.reset(reason);
    },
    onEvent: (name, data) => listeners.dispatch(name, data),
  });

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

  return {
    kind: 'http',
    get connection() {
      return connection;
    },
    async call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
      const { method, url, body } = operationRequest(name, input);
      const response = await request(url, {
        method,
        ...(body !== null
          ? { body, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }
          : { headers: { Accept: 'application/json' } }),
      });
      return (await response.json()) as OperationResults[K];
    },
    subscribe: listeners.subscribe,
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
