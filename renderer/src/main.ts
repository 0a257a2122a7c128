import { createPinia } from 'pinia';
import { createApp } from 'vue';
import type { Bridge } from '../../contract/bridge.js';
import type { IpcTransport } from '../../contract/ipc.js';
import { makeBridge } from '../../contract/ipc-bridge.js';
import App from './App.vue';
import { makeHttpBridge } from './bridge/http-bridge.js';
import { takeToken } from './bridge/token.js';
import { BRIDGE_KEY } from './bridge/use-bridge.js';
import { makeRouter } from './router.js';
import { useSyncStore } from './stores/sync-store.js';
import TokenMissing from './views/TokenMissing.vue';
import './styles/base.css';

/**
 * Start-up: in the desktop app the preload exposes `window.jobtray` and the
 * bridge is IPC; in a browser it is HTTP, and the token is taken out of the
 * address bar before anything else (the router would otherwise read `#token=…`
 * as a route). Then the stores and the screens. Performance marks for the
 * first-render benchmark: `jobtray:boot` (this script runs),
 * `jobtray:stream-open`, `jobtray:data-loaded` (sync-store.ts) and
 * `jobtray:cards-rendered` (JobsView.vue).
 */
performance.mark('jobtray:boot');
const ipc = (window as { jobtray?: IpcTransport }).jobtray;

function start(bridge: Bridge): void {
  const app = createApp(App);
  app.provide(BRIDGE_KEY, bridge);
  app.use(createPinia());
  app.use(makeRouter());
  app.runWithContext(() => useSyncStore().start());
  app.mount('#app');
}

if (ipc) {
  start(makeBridge(ipc.invoke, ipc.on));
} else {
  const token = takeToken({ location: window.location, history: window.history, storage: window.sessionStorage });
  if (token === null) createApp(TokenMissing).mount('#app');
  else start(makeHttpBridge({ baseUrl: window.location.origin, token }));
}
