import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef } from 'vue';
import type { ArtifactRecord, JobView, RunRecord } from '../../../contract/model.js';
import { isTerminal } from '../../../contract/model.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';
import { pendingRunsQuery, pendingStatesOf } from './first-load.js';

/** The run page being looked at: the run, its retry chain and its artifacts. */
export interface RunDetail {
  id: number;
  run: RunRecord | null;
  /** Every attempt of the run's retry chain, oldest first. */
  chain: RunRecord[];
  artifacts: ArtifactRecord[];
  loading: boolean;
  error: string | null;
}

/** Runs that are not over yet (for the cards), and the run page's run. */
export const useRunsStore = defineStore('runs', () => {
  const bridge = useBridge();
  const pending = shallowReactive(new Map<number, RunRecord>());
  const detail = shallowRef<RunDetail | null>(null);
  const loaded = ref(false);

  /** A job's pending runs, oldest first. */
  const pendingByJob = computed(() => {
    const byJob = new Map<string, RunRecord[]>();
    for (const run of [...pending.values()].sort((a, b) => a.id - b.id)) {
      byJob.set(run.job_id, [...(byJob.get(run.job_id) ?? []), run]);
    }
    return byJob;
  });

  function applyState(run: RunRecord): void {
    if (isTerminal(run.state)) pending.delete(run.id);
    else pending.set(run.id, run);
    const current = detail.value;
    if (!current?.run || run.root_run_id !== current.run.root_run_id) return;
    const chain = current.chain.some((r) => r.id === run.id)
      ? current.chain.map((r) => (r.id === run.id ? run : r))
      : [...current.chain, run].sort((a, b) => a.id - b.id);
    detail.value = { ...current, chain, run: run.id === current.id ? run : current.run };
    // A run's artifacts are stored before its final state is announced.
    if (run.id === current.id && isTerminal(run.state)) void loadArtifacts(run.id);
  }

  function applyProgress(runId: number, progress: number | null, step: string | null): void {
    const run = pending.get(runId);
    if (run) pending.set(runId, { ...run, progress, step });
    const current = detail.value;
    if (current?.run?.id === runId) detail.value = { ...current, run: { ...current.run, progress, step } };
  }

  function setUp(): () => void {
    return bridge.subscribe(['run:state', 'run:progress'], (event) => {
      if (event.name === 'run:state') applyState(event.data);
      else applyProgress(event.data.run_id, event.data.progress, event.data.step);
    });
  }

  /**
   * Loads the pending runs of the states `jobs` (their live views) say some
   * job has, so a quiet grid asks for none. A run whose state an event
   * changed while the requests were under way keeps the event's (newer) view;
   * progress events carry no whole run, so the loaded one stands.
   */
  async function load(jobs: readonly JobView[]): Promise<void> {
    const changed = new Set<number>();
    const stop = bridge.subscribe(['run:state'], (event) => changed.add(event.data.id));
    try {
      const pages = await Promise.all(
        pendingStatesOf(jobs).map((state) => bridge.call('runs:list', pendingRunsQuery(state))),
      );
      const found = new Map(pages.flatMap((page) => page.runs.map((run) => [run.id, run] as const)));
      for (const id of [...pending.keys()]) if (!found.has(id) && !changed.has(id)) pending.delete(id);
      for (const [id, run] of found) if (!changed.has(id)) pending.set(id, run);
      loaded.value = true;
    } finally {
      stop();
    }
    if (detail.value) await openRun(detail.value.id);
  }

  async function loadArtifacts(id: number): Promise<void> {
    const { artifacts } = await bridge.call('runs:artifacts', { id });
    if (detail.value?.id === id) detail.value = { ...detail.value, artifacts };
  }

  /** Loads the run page's data; events keep it current until another run is opened. */
  async function openRun(id: number): Promise<void> {
    const keep = detail.value?.id === id ? detail.value : null;
    detail.value = {
      id,
      run: keep?.run ?? null,
      chain: keep?.chain ?? [],
      artifacts: keep?.artifacts ?? [],
      loading: true,
      error: null,
    };
    try {
      const [run, { runs }, { artifacts }] = await Promise.all([
        bridge.call('runs:get', { id }),
        bridge.call('runs:chain', { id }),
        bridge.call('runs:artifacts', { id }),
      ]);
      if (detail.value.id === id) detail.value = { id, run, chain: runs, artifacts, loading: false, error: null };
    } catch (error) {
      if (detail.value.id === id) detail.value = { ...detail.value, loading: false, error: errorText(error) };
    }
  }

  function closeRun(): void {
    detail.value = null;
  }

  return {
    pending,
    pendingByJob,
    detail,
    loaded,
    setUp,
    load,
    openRun,
    closeRun,
    cancel: (id: number) => bridge.call('runs:cancel', { id }),
    retry: (id: number) => bridge.call('runs:retry', { id }),
    readArtifact: (id: number, name: string) => bridge.readArtifact(id, name),
  };
});
