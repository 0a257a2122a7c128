import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LocalApiInfo } from '../../../contract/bridge.js';
import type { Settings } from '../../../contract/model.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';

/**
 * The settings screen's data. Settings have no pushed event: they are read when
 * the screen opens and replaced by what each save returns.
 */
export const useSettingsStore = defineStore('settings', () => {
  const bridge = useBridge();
  const settings = shallowRef<Settings | null>(null);
  const localApi = shallowRef<LocalApiInfo | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const [current, api] = await Promise.all([bridge.call('settings:get', {}), bridge.localApi()]);
      settings.value = current;
      localApi.value = api;
    } catch (e) {
      error.value = errorText(e);
    } finally {
      loading.value = false;
    }
  }

  async function save(patch: Partial<Settings>): Promise<Settings> {
    const updated = await bridge.call('settings:update', { settings: patch });
    settings.value = updated;
    return updated;
  }

  return {
    settings,
    localApi,
    loading,
    error,
    load,
    save,
    testWebhook: (url: string | null) => bridge.call('settings:test-webhook', url ? { url } : {}),
    desktop: bridge.desktop,
    kind: bridge.kind,
  };
});
