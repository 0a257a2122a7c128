import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import type { ScheduleInput } from '../../../contract/api.js';
import type { JobView, ParamValues, RunOutcomePoint, RunRecord } from '../../../contract/model.js';
import { isTerminal } from '../../../contract/model.js';
import { useBridge } from '../bridge/use-bridge.js';

/** Points in a card's sparkline. */
export const SPARKLINE_RUNS = 30;

/** Every job's live view and its sparkline: the grid and the job pages. */
export const useJobsStore = defineStore('jobs', () => {
  const bridge = useBridge();
  /** Keyed by job id; each JobView is replaced whole by its job:state event. */
  const byId = shallowReactive(new Map<string, JobView>());
  const sparklines = shallowReactive(new Map<string, RunOutcomePoint[]>());
  const loaded = ref(false);
  const sparklinesLoaded = ref(false);

  // Ids are lowercase ASCII ([a-z0-9-]): a plain comparison orders them, without a locale's collation.
  const list = computed(() => [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  const tags = computed(() => [...new Set(list.value.flatMap((job) => job.definition?.tags ?? []))].sort());

  /** A finished run joins its job's sparkline (skipped runs never ran, so they are not points). */
  function addOutcome(run: RunRecord): void {
    if (!isTerminal(run.state) || run.state === 'skipped') return;
    const points = sparklines.get(run.job_id) ?? [];
    if (points.some((p) => p.id === run.id)) return;
    const point = { id: run.id, state: run.state, duration_ms: run.duration_ms, finished_at: run.finished_at };
    sparklines.set(run.job_id, [...points, point].sort((a, b) => a.id - b.id).slice(-SPARKLINE_RUNS));
  }

  function setUp(): () => void {
    return bridge.subscribe(['job:state', 'job:removed', 'run:state'], (event) => {
      if (event.name === 'job:state') byId.set(event.data.id, event.data);
      else if (event.name === 'job:removed') {
        byId.delete(event.data.job_id);
        sparklines.delete(event.data.job_id);
      } else addOutcome(event.data);
    });
  }

  /**
   * Replaces everything with the server's view. A job changed by an event while
   * the request was under way keeps the event's (newer) view. Resolves with the
   * job list; the sparklines follow (`sparklinesLoaded`): a card shows its last
   * outcome from the list, so the grid need not wait for them.
   */
  async function load(): Promise<void> {
    const changed = new Set<string>();
    const stop = bridge.subscribe(['job:state'], (event) => changed.add(event.data.id));
    try {
      const { jobs } = await bridge.call('jobs:list', {});
      const ids = new Set(jobs.map((job) => job.id));
      for (const id of [...byId.keys()]) if (!ids.has(id) && !changed.has(id)) byId.delete(id);
      for (const job of jobs) if (!changed.has(job.id)) byId.set(job.id, job);
      loaded.value = true;
    } finally {
      stop();
    }
    // Asked for once the list is in, so the server answers the list first. A
    // failed request leaves the cards without sparklines; the list itself loaded.
    void loadSparklines().catch(() => undefined);
  }

  /** Every job's last runs; points that events added meanwhile are kept. */
  async function loadSparklines(): Promise<void> {
    const { jobs } = await bridge.call('jobs:sparklines', { limit: SPARKLINE_RUNS });
    for (const id of [...sparklines.keys()]) if (!(id in jobs)) sparklines.delete(id);
    for (const [id, points] of Object.entries(jobs)) {
      const held = sparklines.get(id) ?? [];
      const ids = new Set(points.map((p) => p.id));
      sparklines.set(
        id,
        [...points, ...held.filter((p) => !ids.has(p.id))].sort((a, b) => a.id - b.id).slice(-SPARKLINE_RUNS),
      );
    }
    sparklinesLoaded.value = true;
  }

  async function refresh(id: string): Promise<JobView> {
    const job = await bridge.call('jobs:get', { id });
    byId.set(id, job);
    return job;
  }

  const keep = (job: JobView) => {
    byId.set(job.id, job);
    return job;
  };

  return {
    byId,
    list,
    tags,
    sparklines,
    loaded,
    sparklinesLoaded,
    setUp,
    load,
    refresh,
    trigger: (id: string, params: ParamValues) => bridge.call('jobs:trigger', { id, params }),
    setEnabled: async (id: string, enabled: boolean) =>
      keep(await bridge.call(enabled ? 'jobs:enable' : 'jobs:disable', { id })),
    setSchedule: async (id: string, schedule: ScheduleInput) =>
      keep(await bridge.call('jobs:set-schedule', { id, schedule })),
    resetSchedule: async (id: string) => keep(await bridge.call('jobs:reset-schedule', { id })),
    previewSchedule: (id: string, schedule: ScheduleInput) => bridge.call('jobs:preview-schedule', { id, schedule }),
  };
});
