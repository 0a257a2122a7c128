import type { OperationName, OperationRequest, OperationResults } from './api.js';
import type { LocalApiInfo } from './bridge.js';
import type { EngineEventName } from './events.js';
import { OPERATION_ROUTES } from './routes.js';

/**
 * The desktop app's IPC between the window and the main process: one invoke
 * channel per contract operation (named as the operation), a few desktop
 * channels, and one push channel for engine events. Free of any schema
 * library so the preload and the renderer can import it; main validates every
 * payload with contract/api.ts.
 *
 * Invariants:
 * - every invoke answers with an IpcReply, never a rejection: Electron turns a
 *   thrown error into a bare message ("Error invoking remote method…") and the
 *   contract's error code would be lost;
 * - payloads are plain data (structured clone): no proxies, functions or classes.
 */

/** The desktop channels beside the operations: their input and result. */
export interface IpcDesktopChannels {
  /** An artifact's bytes (over HTTP: the artifact route's body). */
  'bridge:read-artifact': { input: { id: number; name: string }; result: { bytes: Uint8Array; media_type: string } };
  /** The Local API's URL and token, or null when it is not running. */
  'bridge:local-api': { input: Record<string, never>; result: LocalApiInfo | null };
  'desktop:get-start-at-login': { input: Record<string, never>; result: boolean };
  'desktop:set-start-at-login': { input: { enabled: boolean }; result: null };
  /**
   * Whether the window wants `run:log` events (a run's log is open): main
   * forwards them only then, so with nobody reading a log no stored line
   * comes back to the main process.
   */
  'bridge:follow-logs': { input: { follow: boolean }; result: null };
}
export type IpcDesktopChannel = keyof IpcDesktopChannels;

export const IPC_DESKTOP_CHANNELS = [
  'bridge:read-artifact',
  'bridge:local-api',
  'desktop:get-start-at-login',
  'desktop:set-start-at-login',
  'bridge:follow-logs',
] as const satisfies readonly IpcDesktopChannel[];

/** Every channel the window may invoke. */
export type IpcChannel = OperationName | IpcDesktopChannel;
export const IPC_CHANNELS: readonly IpcChannel[] = [
  ...(Object.keys(OPERATION_ROUTES) as OperationName[]),
  ...IPC_DESKTOP_CHANNELS,
];

export type IpcInput<C extends IpcChannel> = C extends OperationName
  ? OperationRequest<C>
  : C extends IpcDesktopChannel
    ? IpcDesktopChannels[C]['input']
    : never;
export type IpcResult<C extends IpcChannel> = C extends OperationName
  ? OperationResults[C]
  : C extends IpcDesktopChannel
    ? IpcDesktopChannels[C]['result']
    : never;

/** What every invoke resolves with. */
export type IpcReply<T = unknown> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string; details?: unknown } };

/** Main → window: every engine event, `{name, data}`. */
export const IPC_EVENT_CHANNEL = 'bridge:event';
export interface IpcEventMessage {
  name: EngineEventName;
  data: unknown;
}

/** Invokes a channel in main; resolves with its reply. */
export type IpcInvoke = (channel: IpcChannel, payload: unknown) => Promise<IpcReply>;
/** Listens to the event channel; returns the unsubscribe. */
export type IpcOn = (channel: typeof IPC_EVENT_CHANNEL, listener: (message: IpcEventMessage) => void) => () => void;

/** What the preload exposes as `window.jobtray`: the two functions makeBridge builds the dashboard's bridge on. */
export interface IpcTransport {
  invoke: IpcInvoke;
  on: IpcOn;
}

/** The name of the preload's global (`window.jobtray`). */
export const IPC_GLOBAL = 'jobtray';

export function isIpcChannel(channel: unknown): channel is IpcChannel {
  return typeof channel === 'string' && (IPC_CHANNELS as readonly string[]).includes(channel);
}
