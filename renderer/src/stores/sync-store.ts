import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ConnectionState } from '../../../contract/bridge.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';
import { useHealthStore } from './health-store.js';
import { useHistoryStore } from './history-store.js';
import { useJobsStore } from './jobs-store.js';
import { useLogsStore } from './logs-store.js';
import { useRunsStore } from './runs-store.js';

/**
 * Keeps the domain stores in step with the engine. Every store subscribes to
 * its events first (setUp), and loads once the event stream is open, so no
 * change between the load and the first event is lost. After `stream:reset`
 * (the server could not replay what was missed) everything is loaded again.
 * While the stream is down, `live` is false and the screens say so: stale data
 * is never shown as live.
 */
export const useSyncStore = defineStore('sync', () => {
  const bridge = useBridge();
  const connection = ref<ConnectionState>(bridge.connection);
  /** The stores hold a complete load made while the stream was open. */
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const live = computed(() => connection.value === 'connected' && loaded.value);
  let started = false;

  async function loadAll(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const logs = useLogsStore();
      const history = useHistoryStore();
      // Asked in this order (the browser's few connections to the host are shared
      // with the event stream): what the grid's cards show first, the header's next.
      const jobs = useJobsStore();
      await Promise.all([
        // The pending runs to ask for follow from the jobs' live views.
        jobs.load().then(() => useRunsStore().load(jobs.list)),
        useHealthStore().load(),
        history.jobId !== null ? history.reload() : Promise.resolve(),
        logs.runId !== null ? logs.open(logs.runId) : Promise.resolve(),
      ]);
      if (!loaded.value) performance.mark('jobtray:data-loaded');
      loaded.value = true;
    } catch (e) {
      error.value = errorText(e);
    } finally {
      loading.value = false;
    }
  }

  /** Subscribes every store and loads once connected. Idempotent. */
  function start(): void {
    if (started) return;
    started = true;
    for (const store of [useHealthStore(), useJobsStore(), useRunsStore(), useHistoryStore(), useLogsStore()])
      store.setUp();
    bridge.onConnection((state) => {
      connection.value = state;
      if (state === 'connected' && !loaded.value && !loading.value) void loadAll();
    });
    bridge.onReset(() => void loadAll());
    if (bridge.connection === 'connected') void loadAll();
  }

  return { connection, loaded, loading, error, live, start, reload: loadAll };
});
