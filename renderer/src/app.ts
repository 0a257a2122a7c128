import { createPinia } from 'pinia';
import { createApp } from 'vue';
import type { Bridge } from '../../contract/bridge.js';
import App from './App.vue';
import { BRIDGE_KEY } from './bridge/use-bridge.js';
import { makeRouter } from './router.js';
import { useSyncStore } from './stores/sync-store.js';
import './styles/base.css';

/** The dashboard on a bridge: stores, router and screens, mounted on #app. */
export function startApp(bridge: Bridge): void {
  const app = createApp(App);
  app.provide(BRIDGE_KEY, bridge);
  app.use(createPinia());
  app.use(makeRouter());
  app.runWithContext(() => useSyncStore().start());
  app.mount('#app');
}
