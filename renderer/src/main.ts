import { makeHttpBridge } from './bridge/http-bridge.js';
import { takeToken } from './bridge/token.js';
import { FIRST_CALLS } from './stores/first-load.js';

/**
 * The page's first, small module. It takes the token out of the address bar
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
const token = takeToken({ location: window.location, history: window.history, storage: window.sessionStorage });

if (token === null) {
  void import('./token-missing.js').then(({ showTokenMissing }) => showTokenMissing());
} else {
  const bridge = makeHttpBridge({ baseUrl: window.location.origin, token, firstCalls: FIRST_CALLS });
  const offOpen = bridge.onConnection((state) => {
    if (state !== 'connected') return;
    performance.mark('jobtray:stream-open');
    offOpen();
  });
  void import('./app.js').then(({ startApp }) => startApp(bridge));
}
