import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { AuditEntry, RunRecord, RunState, RunTrigger } from '../../../contract/model.js';
import { isTerminal } from '../../../contract/model.js';
import { errorText, useBridge } from '../bridge/use-bridge.js';

export const HISTORY_PAGE = 50;
/** Runs drawn in the duration chart: the newest with an outcome. */
export const CHART_RUNS = 500;

export interface HistoryFilter {
  state: RunState | null;
  trigger: RunTrigger | null;
  /** created_at bounds, inclusive (ms). */
  since: number | null;
  until: number | null;
}

export const NO_FILTER: HistoryFilter = { state: null, trigger: null, since: null, until: null };

/**
 * A job page's history: one page of runs at a time (keyset cursors, so paging
 * through thousands of runs never loads them all), the runs of the duration
 * chart, and the job's audit trail. New and changed runs arrive by events.
 */
export const useHistoryStore = defineStore('history', () => {
  const bridge = useBridge();
  const jobId = ref<string | null>(null);
  const filter = shallowRef<HistoryFilter>(NO_FILTER);
  const page = shallowRef<RunRecord[]>([]);
  /** Cursors of the pages before the current one (the first page's is null). */
  const cursors = shallowRef<(string | null)[]>([]);
  const current = ref<string | null>(null);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const chartRuns = shallowRef<RunRecord[]>([]);
  const audit = shallowRef<AuditEntry[]>([]);

  function matches(run: RunRecord): boolean {
    const f = filter.value;
    return (
      run.job_id === jobId.value &&
      (f.state === null || run.state === f.state) &&
      (f.trigger === null || run.trigger === f.trigger) &&
      (f.since === null || run.created_at >= f.since) &&
      (f.until === null || run.created_at <= f.until)
    );
  }

  function setUp(): () => void {
    return bridge.subscribe(['run:state'], ({ data: run }) => {
      if (run.job_id !== jobId.value) return;
      const known = page.value.some((r) => r.id === run.id);
      if (known) page.value = page.value.map((r) => (r.id === run.id ? run : r)).filter(matches);
      // Only the first page shows the newest runs; a run that newly matches joins it at the top.
      else if (current.value === null && matches(run)) page.value = [run, ...page.value].slice(0, HISTORY_PAGE);
      if (isTerminal(run.state) && run.state !== 'skipped' && !chartRuns.value.some((r) => r.id === run.id)) {
        chartRuns.value = [run, ...chartRuns.value].slice(0, CHART_RUNS);
      }
    });
  }

  async function loadPage(cursor: string | null): Promise<void> {
    const id = jobId.value;
    if (id === null) return;
    loading.value = true;
    error.value = null;
    try {
      const f = filter.value;
      const result = await bridge.call('runs:list', {
        job: id,
        limit: HISTORY_PAGE,
        ...(f.state ? { state: f.state } : {}),
        ...(f.trigger ? { trigger: f.trigger } : {}),
        ...(f.since !== null ? { since: f.since } : {}),
        ...(f.until !== null ? { until: f.until } : {}),
        ...(cursor ? { cursor } : {}),
      });
      if (jobId.value !== id) return;
      page.value = result.runs;
      current.value = cursor;
      nextCursor.value = result.next_cursor;
    } catch (e) {
      error.value = errorText(e);
    } finally {
      loading.value = false;
    }
  }

  async function loadChart(): Promise<void> {
    const id = jobId.value;
    if (id === null) return;
    const { runs } = await bridge.call('runs:list', { job: id, limit: CHART_RUNS });
    if (jobId.value === id) chartRuns.value = runs.filter((r) => isTerminal(r.state) && r.state !== 'skipped');
  }

  async function loadAudit(): Promise<void> {
    const id = jobId.value;
    if (id === null) return;
    const { entries } = await bridge.call('audit:list', { job: id, limit: 50 });
    if (jobId.value === id) audit.value = entries;
  }

  /** Opens a job's history on its first page, unfiltered. */
  async function open(id: string): Promise<void> {
    jobId.value = id;
    filter.value = NO_FILTER;
    cursors.value = [];
    page.value = [];
    chartRuns.value = [];
    audit.value = [];
    await Promise.all([loadPage(null), loadChart().catch(() => undefined), loadAudit().catch(() => undefined)]);
  }

  async function setFilter(next: HistoryFilter): Promise<void> {
    filter.value = next;
    cursors.value = [];
    await loadPage(null);
  }

  async function older(): Promise<void> {
    if (nextCursor.value === null) return;
    cursors.value = [...cursors.value, current.value];
    await loadPage(nextCursor.value);
  }

  async function newer(): Promise<void> {
    const previous = cursors.value.at(-1);
    if (previous === undefined) return;
    cursors.value = cursors.value.slice(0, -1);
    await loadPage(previous);
  }

  /** After a stream reset: the same page again, fresh. */
  async function reload(): Promise<void> {
    if (jobId.value === null) return;
    await Promise.all([
      loadPage(current.value),
      loadChart().catch(() => undefined),
      loadAudit().catch(() => undefined),
    ]);
  }

  return {
    jobId,
    filter,
    page,
    cursors,
    current,
    nextCursor,
    loading,
    error,
    chartRuns,
    audit,
    setUp,
    open,
    setFilter,
    older,
    newer,
    reload,
    loadAudit,
  };
});
