import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { healthStatus } from '../../../contract/health-status.js';
import type { ConfigStatus, HealthSnapshot } from '../../../contract/model.js';
import { useBridge } from '../bridge/use-bridge.js';

/** Overall health, pause state and the jobs file's status: the header and the config-error banner. */
export const useHealthStore = defineStore('health', () => {
  const bridge = useBridge();
  const snapshot = shallowRef<HealthSnapshot | null>(null);
  const config = shallowRef<ConfigStatus | null>(null);
  const busy = ref(false);

  const status = computed(() => (snapshot.value ? healthStatus(snapshot.value) : null));
  const paused = computed(() => snapshot.value?.paused ?? false);
  const counts = computed(() => {
    const c = snapshot.value?.counts;
    return { running: (c?.running ?? 0) + (c?.retrying ?? 0), failing: c?.failing ?? 0, overdue: c?.overdue ?? 0 };
  });

  function setUp(): () => void {
    return bridge.subscribe(['health:change', 'engine:paused', 'config:error', 'config:applied'], (event) => {
      switch (event.name) {
        case 'health:change':
          snapshot.value = event.data;
          break;
        case 'engine:paused':
          if (snapshot.value) snapshot.value = { ...snapshot.value, paused: event.data.paused };
          break;
        case 'config:error':
        case 'config:applied':
          config.value = event.data;
          break;
      }
    });
  }

  async function load(): Promise<void> {
    const [health, status] = await Promise.all([bridge.call('health:get', {}), bridge.call('config:get', {})]);
    snapshot.value = health;
    config.value = status;
  }

  /** Pause all / Resume all. */
  async function setPaused(pause: boolean): Promise<void> {
    busy.value = true;
    try {
      const { paused: now } = await bridge.call(pause ? 'engine:pause' : 'engine:resume', {});
      if (snapshot.value) snapshot.value = { ...snapshot.value, paused: now };
    } finally {
      busy.value = false;
    }
  }

  return { snapshot, config, status, paused, counts, busy, setUp, load, setPaused };
});
