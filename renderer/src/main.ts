import type { IpcTransport } from '../../contract/ipc.js';
import { makeBridge } from '../../contract/ipc-bridge.js';
import { makeHttpBridge } from './bridge/http-bridge.js';
import { takeToken } from './bridge/token.js';
import { FIRST_CALLS } from './stores/first-load.js';

/**
 * The page's first, small module. In the desktop app the preload exposes
 * `window.jobtray` and the bridge is IPC. In a browser it takes the token out of the address bar
 * (the router would otherwise read `#token=…` as a route) and opens the bridge
 * at once: the event stream connects, and the first data is asked for, while
 * the app itself (Vue, the stores, the screens: app.ts) is still loading.
 * Events that come before the stores listen are held by the bridge until they do.
 *
 * Performance marks for the first-render benchmark (B7a): `jobtray:boot` and
 * `jobtray:stream-open` here, `jobtray:data-loaded` (sync-store.ts) and
 * `jobtray:cards-rendered` (JobsView.vue).
 */
performance.mark('jobtray:boot');
const APP_WAIT_MS = 300;
const ipc = (window as { jobtray?: IpcTransport }).jobtray;
const token = ipc
  ? null
  : takeToken({ location: window.location, history: window.history, storage: window.sessionStorage });

if (ipc) {
  const bridge = makeBridge(ipc.invoke, ipc.on);
  void import('./app.js').then(({ startApp }) => startApp(bridge));
} else if (token === null) {
  void import('./token-missing.js').then(({ showTokenMissing }) => showTokenMissing());
  // The link with the token opened in this tab changes only the fragment: start again with it.
  window.addEventListener('hashchange', () => {
    if (window.location.hash.startsWith('#token=')) window.location.reload();
  });
} else {
  const bridge = makeHttpBridge({ baseUrl: window.location.origin, token, firstCalls: FIRST_CALLS });
  // The app (downloaded meanwhile, index.html preloads it) is evaluated once the stream is open and the
  // first data asked for: evaluating it earlier would hold the page's one thread while the requests
  // could be under way. It starts anyway after APP_WAIT_MS, or when the stream cannot connect.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    void import('./app.js').then(({ startApp }) => startApp(bridge));
  };
  const offOpen = bridge.onConnection((state) => {
    if (state === 'connected') performance.mark('jobtray:stream-open');
    offOpen();
    start();
  });
  setTimeout(start, APP_WAIT_MS);
}
