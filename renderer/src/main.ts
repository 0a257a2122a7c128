import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { makeHttpBridge } from './bridge/http-bridge.js';
import { takeToken } from './bridge/token.js';
import { BRIDGE_KEY } from './bridge/use-bridge.js';
import { makeRouter } from './router.js';
import { useSyncStore } from './stores/sync-store.js';
import TokenMissing from './views/TokenMissing.vue';
import './styles/base.css';

/**
 * Start-up: the token is taken out of the address bar before anything else
 * (the router would otherwise read `#token=…` as a route), then the bridge, the
 * stores and the screens. Performance marks for the first-render benchmark:
 * `jobtray:boot` (this script runs), `jobtray:stream-open`, `jobtray:data-loaded`
 * (sync-store.ts) and `jobtray:cards-rendered` (JobsView.vue).
 */
performance.mark('jobtray:boot');
const token = takeToken({ location: window.location, history: window.history, storage: window.sessionStorage });

if (token === null) {
  createApp(TokenMissing).mount('#app');
} else {
  const bridge = makeHttpBridge({ baseUrl: window.location.origin, token });
  const app = createApp(App);
  app.provide(BRIDGE_KEY, bridge);
  app.use(createPinia());
  app.use(makeRouter());
  app.runWithContext(() => useSyncStore().start());
  app.mount('#app');
}
