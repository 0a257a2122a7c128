import { beforeEach, describe, expect, it } from 'vitest';
import { RUN_STATES, RUN_TRIGGERS, type RunFilter, type RunRecord } from '../../contract/model.js';
import type { Store } from '../../main/engine/store/index.js';
import { useTempStore, sampleRun } from '../helpers/temp-store.js';

const temp = useTempStore();
let all: RunRecord[];

const T0 = 1_700_000_000_000;

/** 150 runs over 3 jobs, cycling through states and triggers, one minute apart. */
function seed(store: Store): RunRecord[] {
  const runs: RunRecord[] = [];
  for (let i = 0; i < 150; i += 1) {
    const run = store.insertRun(
      sampleRun({
        job_id: ['sync-orders', 'export-invoices', 'cleanup_tmp'][i % 3]!,
        state: RUN_STATES[i % RUN_STATES.length]!,
        trigger: RUN_TRIGGERS[i % RUN_TRIGGERS.length]!,
        created_at: T0 + i * 60_000,
      }),
    );
    const error = i % 10 === 0 ? `exit ${i}: 100% disk full` : i % 10 === 5 ? `missing a_b column (${i})` : null;
    runs.push(store.updateRun(run.id, { error, step: i % 7 === 0 ? 'Importing Orders' : null }));
  }
  return runs;
}

/** Every run the filter matches, following next_cursor page by page. */
function collect(store: Store, filter: RunFilter): { ids: number[]; pages: number } {
  const ids: number[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = store.listRuns({ ...filter, ...(cursor === undefined ? {} : { cursor }) });
    pages += 1;
    ids.push(...page.runs.map((run) => run.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return { ids, pages };
}

function expected(predicate: (run: RunRecord) => boolean): number[] {
  return all
    .filter(predicate)
    .map((run) => run.id)
    .reverse();
}

beforeEach(() => {
  all = seed(temp.store);
});

describe('store.listRuns', () => {
  it('returns full records newest first, 50 by default', () => {
    const page = temp.store.listRuns({});
    expect(page.runs).toHaveLength(50);
    expect(page.runs[0]).toEqual(all.at(-1));
    expect(page.runs.map((r) => r.id)).toEqual(expected(() => true).slice(0, 50));
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it('pages through everything without duplicates or gaps', () => {
    const { ids, pages } = collect(temp.store, { limit: 7 });
    expect(ids).toEqual(expected(() => true));
    expect(new Set(ids).size).toBe(150);
    expect(pages).toBe(Math.ceil(150 / 7));
  });

  it('gives no cursor when the last page is exactly full', () => {
    const page = temp.store.listRuns({ limit: 150 });
    expect(page.runs).toHaveLength(150);
    expect(page.next_cursor).toBeNull();
  });

  it.each<[string, RunFilter, (run: RunRecord) => boolean]>([
    ['job', { job_id: 'export-invoices' }, (r) => r.job_id === 'export-invoices'],
    ['state', { state: 'failed' }, (r) => r.state === 'failed'],
    ['trigger', { trigger: 'catch_up' }, (r) => r.trigger === 'catch_up'],
    ['since', { since: T0 + 100 * 60_000 }, (r) => r.created_at >= T0 + 100 * 60_000],
    ['until', { until: T0 + 20 * 60_000 }, (r) => r.created_at <= T0 + 20 * 60_000],
    [
      'since and until',
      { since: T0 + 30 * 60_000, until: T0 + 60 * 60_000 },
      (r) => r.created_at >= T0 + 30 * 60_000 && r.created_at <= T0 + 60 * 60_000,
    ],
    [
      'job, state and range together',
      { job_id: 'sync-orders', state: 'queued', since: T0 + 10 * 60_000 },
      (r) => r.job_id === 'sync-orders' && r.state === 'queued' && r.created_at >= T0 + 10 * 60_000,
    ],
    [
      'state and trigger',
      { state: 'succeeded', trigger: 'manual' },
      (r) => r.state === 'succeeded' && r.trigger === 'manual',
    ],
    ['q on error, case-insensitive', { q: 'DISK FULL' }, (r) => r.error?.includes('disk full') === true],
    ['q on step', { q: 'importing' }, (r) => r.step === 'Importing Orders'],
    ['q on job id', { q: 'invoices' }, (r) => r.job_id === 'export-invoices'],
    ['q with a literal %', { q: '0% disk' }, (r) => r.error?.includes('0% disk') === true],
    // Unescaped, `_` would match any character, e.g. the `-` in the job ids.
    ['q with a literal _', { q: 'a_b' }, (r) => r.error?.includes('a_b') === true],
    ['q with a literal _ in a job id', { q: 'p_' }, (r) => r.job_id === 'cleanup_tmp'],
  ])('filters by %s, across pages', (_name, filter, predicate) => {
    const want = expected(predicate);
    expect(want.length).toBeGreaterThan(0);
    expect(collect(temp.store, { ...filter, limit: 4 }).ids).toEqual(want);
  });

  it('returns an empty page for a filter nothing matches', () => {
    expect(temp.store.listRuns({ job_id: 'nope' })).toEqual({ runs: [], next_cursor: null });
    expect(temp.store.listRuns({ q: '%%' })).toEqual({ runs: [], next_cursor: null });
  });

  it('caps the page size at 500 and refuses a non-positive one', () => {
    for (let i = 0; i < 400; i += 1) temp.store.insertRun(sampleRun());
    expect(temp.store.listRuns({ limit: 10_000 }).runs).toHaveLength(500);
    expect(() => temp.store.listRuns({ limit: 0 })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => temp.store.listRuns({ limit: 2.5 })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });

  it.each([
    'not-a-cursor!',
    Buffer.from('abc').toString('base64url'),
    Buffer.from('0').toString('base64url'),
    Buffer.from('-5').toString('base64url'),
    Buffer.from('12x').toString('base64url'),
    '',
  ])('refuses the malformed cursor %j', (cursor) => {
    expect(() => temp.store.listRuns({ cursor })).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: expect.stringContaining(`invalid cursor "${cursor}"`),
      }),
    );
  });
});
