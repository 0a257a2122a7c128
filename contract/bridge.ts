import type { OperationName, OperationRequest, OperationResults } from './api.js';
import type { ErrorCode } from './errors.js';
import type { EngineEventMap, EngineEventName } from './events.js';

/**
 * The one interface the dashboard reaches the engine through. Two
 * implementations: HTTP + SSE in a browser (renderer/src/bridge/http-bridge.ts)
 * and IPC through the Electron preload. Everything is derived from the
 * contract's OPERATIONS table and EngineEventMap, never written per operation;
 * components and stores never know which implementation they have.
 */

/** One pushed engine event, as a handler receives it. */
export type BridgeEvent<K extends EngineEventName = EngineEventName> = {
  [N in K]: { name: N; data: EngineEventMap[N] };
}[K];

/**
 * - `connecting`: the first connection is being made; no data is live yet.
 * - `connected`: events arrive; data on screen is live.
 * - `reconnecting`: the event stream dropped; data on screen is stale until it is back.
 * - `unauthorized`: the token was refused; only a new token helps.
 */
export const CONNECTION_STATES = ['connecting', 'connected', 'reconnecting', 'unauthorized'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** Where a CLI or script reaches the same engine (the settings screen shows it). */
export interface LocalApiInfo {
  url: string;
  token: string;
}

/** Desktop-only abilities; absent in a browser, so the screens hide what needs them. */
export interface DesktopBridge {
  getStartAtLogin(): Promise<boolean>;
  setStartAtLogin(enabled: boolean): Promise<void>;
}

export interface Bridge {
  readonly kind: 'http' | 'ipc';
  /** Calls one operation; a failure rejects with a BridgeError. */
  call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]>;
  /** Listens to pushed events (`'*'`: all of them); returns the unsubscribe. */
  subscribe<K extends EngineEventName>(
    events: readonly K[] | '*',
    handler: (event: BridgeEvent<K>) => void,
  ): () => void;
  /**
   * Called when events may have been missed (the server could not replay them
   * after a reconnect): everything shown must be loaded again.
   */
  onReset(handler: (reason: string) => void): () => void;
  readonly connection: ConnectionState;
  onConnection(handler: (state: ConnectionState) => void): () => void;
  /** An artifact's bytes, for "open" and "save". */
  readArtifact(runId: number, name: string): Promise<Blob>;
  /** The Local API's URL and token, or null when it is not running (the desktop app with the API off). */
  localApi(): Promise<LocalApiInfo | null>;
  readonly desktop: DesktopBridge | null;
  /** Stops listening; later calls fail. */
  close(): void;
}

/** A failed call: the contract's error code (or an HTTP-level one), a message a person can act on, and the server's details. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
