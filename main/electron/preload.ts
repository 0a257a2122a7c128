import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC_EVENT_CHANNEL,
  IPC_GLOBAL,
  isIpcChannel,
  type IpcEventMessage,
  type IpcTransport,
} from '../../contract/ipc.js';

/**
 * The preload: exposes `window.jobtray`, the two functions the dashboard's
 * bridge is built on (makeBridge in contract/ipc-bridge.ts), restricted to the
 * contract's channels; never `ipcRenderer` itself. Bundled into one CommonJS
 * file (a sandboxed preload cannot require local files or use ESM):
 * `vite build --config main/electron/preload.vite.config.ts`.
 */
const transport: IpcTransport = {
  invoke: (channel, payload) =>
    isIpcChannel(channel)
      ? ipcRenderer.invoke(channel, payload)
      : Promise.resolve({
          ok: false,
          error: { code: 'invalid_input', message: `"${String(channel)}" is not a Jobtray channel` },
        }),
  on: (channel, listener) => {
    if (channel !== IPC_EVENT_CHANNEL) return () => {};
    const forward = (_event: Electron.IpcRendererEvent, message: IpcEventMessage) => listener(message);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld(IPC_GLOBAL, transport);
