import type { LocalApiInfo } from '../../contract/bridge.js';
import type { IpcEventMessage, IpcReply } from '../../contract/ipc.js';
import type { DesktopServices, IpcInvokeEventLike, IpcMainLike } from '../../main/desktop/ipc-handlers.js';

type Handler = (event: IpcInvokeEventLike, payload: unknown) => Promise<IpcReply>;

/**
 * Stand-ins of Electron's `ipcMain` and `webContents.send` for registerIpc
 * (main/desktop/ipc-handlers.ts), behaving as Electron does where the bridge
 * depends on it: every payload, reply and event crosses by structured clone
 * (so a proxy fails as in Electron), a second handler for a channel throws,
 * and a channel without a handler rejects.
 *
 * - `invokeAs(frame, channel, payload)` is the window's `ipcRenderer.invoke`
 *   from that frame (`senderFrame`; null for a frame that is gone);
 * - `on` is the window's `ipcRenderer.on`: it hears what main sends.
 */
export function makeIpcStandIns() {
  const handlers = new Map<string, Handler>();
  const listeners = new Set<(message: IpcEventMessage) => void>();
  /** Every channel invoked, in order. */
  const invoked: string[] = [];
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invokeAs = async (frame: { url: string } | null, channel: string, payload: unknown): Promise<IpcReply> => {
    invoked.push(channel);
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler({ senderFrame: frame }, structuredClone(payload)));
  };
  const send = (_channel: string, message: IpcEventMessage) => {
    const copy = structuredClone(message);
    for (const listener of [...listeners]) listener(copy);
  };
  const on = (_channel: string, listener: (message: IpcEventMessage) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { ipcMain, handlers, invoked, invokeAs, send, on, listeners };
}

/** The desktop services of registerIpc without a desktop: start at login is a flag here; the Local API as given. */
export function makeDesktopStandIn(localApi: () => LocalApiInfo | null): DesktopServices & {
  startAtLogin(): boolean;
} {
  let startAtLogin = false;
  return {
    getStartAtLogin: () => startAtLogin,
    setStartAtLogin: (enabled) => {
      startAtLogin = enabled;
    },
    localApi,
    startAtLogin: () => startAtLogin,
  };
}
