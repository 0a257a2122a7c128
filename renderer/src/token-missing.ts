import { createApp } from 'vue';
import TokenMissing from './views/TokenMissing.vue';
import './styles/base.css';

/** The page opened without a token: how to get one, instead of the app. */
export function showTokenMissing(): void {
  createApp(TokenMissing).mount('#app');
}
