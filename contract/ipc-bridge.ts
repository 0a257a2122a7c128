import type { OperationName, OperationRequest, OperationResults } from './api.js';
import { BridgeError, type Bridge, type ConnectionState } from './bridge.js';
import { makeBridgeListeners } from './bridge-listeners.js';
import {
  IPC_EVENT_CHANNEL,
  type IpcChannel,
  type IpcInput,
  type IpcInvoke,
  type IpcOn,
  type IpcResult,
} from './ipc.js';

/**
 * The dashboard's bridge over the desktop app's IPC (contract/ipc.ts), built
 * on two functions: `invoke` (a channel and a payload → an IpcReply) and `on`
 * (the event channel). In the app they are the preload's `window.jobtray`;
 * in tests, registerIpc's handlers called directly.
 *
 * Invariants:
 * - every payload is copied into plain data before it is sent: Vue and Pinia
 *   proxies cannot be structured-cloned (Electron refuses them) and must not
 *   reach main;
 * - a failed call rejects with a BridgeError carrying the contract's code;
 * - events arrive in main's order; the connection is `connected` from the start
 *   (the main process is the other end: there is no stream to drop);
 * - main forwards `run:log` only while a handler here wants it
 *   (`bridge:follow-logs`): it is told when the first one subscribes and when
 *   the last one leaves.
 */
export function makeBridge(invoke: IpcInvoke, on: IpcOn): Bridge {
  // A failure leaves main forwarding as before (more events than needed, none missed) or not (a log open: its page reads still work).
  const listeners = makeBridgeListeners((follow) => request('bridge:follow-logs', { follow }).catch(() => {}));
  let closed = false;

  const unsubscribe = on(IPC_EVENT_CHANNEL, (message) => listeners.dispatch(message.name, message.data));

  async function request<C extends IpcChannel>(channel: C, input: IpcInput<C>): Promise<IpcResult<C>> {
    if (closed) throw new BridgeError('unavailable', 'the bridge is closed');
    let reply;
    try {
      reply = await invoke(channel, toPlainData(input));
    } catch (error) {
      throw new BridgeError(
        'unavailable',
        `Cannot reach the Jobtray main process: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (reply.ok) return reply.value as IpcResult<C>;
    throw new BridgeError(reply.error.code, reply.error.message, reply.error.details);
  }

  return {
    kind: 'ipc',
    connection: 'connected',
    call<K extends OperationName>(name: K, input: OperationRequest<K>): Promise<OperationResults[K]> {
      return request(name, input as IpcInput<K>) as Promise<OperationResults[K]>;
    },
    subscribe: listeners.subscribe,
    onReset: listeners.onReset,
    onConnection(_handler: (state: ConnectionState) => void) {
      return () => {};
    },
    async readArtifact(runId, name) {
      const { bytes, media_type } = await request('bridge:read-artifact', { id: runId, name });
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: media_type });
    },
    localApi: () => request('bridge:local-api', {}),
    desktop: {
      getStartAtLogin: () => request('desktop:get-start-at-login', {}),
      setStartAtLogin: async (enabled) => {
        await request('desktop:set-start-at-login', { enabled });
      },
    },
    close() {
      closed = true;
      unsubscribe();
      listeners.clear();
    },
  };
}

/**
 * A plain copy of an input: objects and arrays rebuilt (a Vue `reactive()` or
 * Pinia proxy is read through, not passed on), `undefined` fields left out as
 * JSON would. Inputs are JSON-shaped (contract/api.ts), so nothing else occurs.
 */
export function toPlainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toPlainData(item));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined) copy[key] = toPlainData(field);
    }
    return copy;
  }
  return value;
}
