import { describe, expect, it } from 'vitest';
import type { JobAlert } from '../../contract/model.js';
import {
  BURST_LIMIT,
  BURST_WINDOW_MS,
  DEDUPE_MS,
  INITIAL_NOTICE_STATE,
  flushNotices,
  onAlert,
  type NoticeContext,
  type NoticeState,
} from '../../main/desktop/notification-policy.js';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const ctx = (now: number, over: Partial<NoticeContext> = {}): NoticeContext => ({
  now,
  muted: false,
  platform: 'linux',
  ...over,
});

function alert(over: Partial<JobAlert> = {}): JobAlert {
  return {
    kind: 'failure',
    job_id: 'sync',
    run_id: 7,
    title: 'sync is failing',
    body: 'Last error: exit 3',
    at: T0,
    ...over,
  };
}

/** Feeds alerts at the given times; returns every notice shown and the last state. */
function feed(alerts: [number, JobAlert][], over: Partial<NoticeContext> = {}) {
  let state: NoticeState = INITIAL_NOTICE_STATE;
  const shown: string[] = [];
  for (const [at, a] of alerts) {
    const step = onAlert(state, a, ctx(at, over));
    state = step.state;
    shown.push(...step.show.map((n) => n.title));
  }
  return { state, shown };
}

describe('notification policy', () => {
  it('a failure: critical on Linux, no urgency elsewhere, and its click opens that run', () => {
    const step = onAlert(INITIAL_NOTICE_STATE, alert(), ctx(T0));
    expect(step.show).toEqual([
      { title: 'sync is failing', body: 'Last error: exit 3', urgency: 'critical', target: { kind: 'run', runId: 7 } },
    ]);
    expect(step.flushAt).toBe(T0 + BURST_WINDOW_MS);
    expect(onAlert(INITIAL_NOTICE_STATE, alert(), ctx(T0, { platform: 'darwin' })).show[0]!.urgency).toBeNull();
    expect(
      onAlert(INITIAL_NOTICE_STATE, alert({ kind: 'recovery', title: 'sync recovered' }), ctx(T0)).show[0]!.urgency,
    ).toBe('normal');
    expect(onAlert(INITIAL_NOTICE_STATE, alert({ kind: 'timeout' }), ctx(T0)).show[0]!.urgency).toBe('critical');
    expect(
      onAlert(INITIAL_NOTICE_STATE, alert({ kind: 'storage', job_id: null, run_id: null }), ctx(T0)).show[0],
    ).toMatchObject({ urgency: 'critical', target: { kind: 'dashboard' } });
    expect(
      onAlert(INITIAL_NOTICE_STATE, alert({ kind: 'storage_recovered', job_id: null, run_id: null }), ctx(T0)).show[0]!
        .urgency,
    ).toBe('normal');
    expect(
      onAlert(INITIAL_NOTICE_STATE, alert({ kind: 'config_error', job_id: null, run_id: null }), ctx(T0)).show[0]!
        .target,
    ).toEqual({ kind: 'dashboard' });
    expect(onAlert(INITIAL_NOTICE_STATE, alert({ run_id: null }), ctx(T0)).show[0]!.target).toEqual({
      kind: 'job',
      jobId: 'sync',
    });
  });

  it('muted: nothing is shown, and nothing is held for later', () => {
    const { state, shown } = feed(
      [
        [T0, alert()],
        [T0 + 1, alert({ job_id: 'b' })],
        [T0 + 2, alert({ job_id: 'c' })],
      ],
      { muted: true },
    );
    expect(shown).toEqual([]);
    expect(flushNotices(state, ctx(T0 + BURST_WINDOW_MS, { muted: true })).show).toEqual([]);
  });

  it('deduplicates the same kind for the same job within DEDUPE_MS; another kind or job still shows', () => {
    const { shown } = feed([
      [T0, alert()],
      [T0 + BURST_WINDOW_MS + 1, alert({ title: 'sync is failing again' })],
      [T0 + 2 * BURST_WINDOW_MS, alert({ kind: 'recovery', title: 'sync recovered' })],
      [T0 + DEDUPE_MS + 1, alert({ title: 'sync is failing, later' })],
    ]);
    expect(shown).toEqual(['sync is failing', 'sync recovered', 'sync is failing, later']);
  });

  it('a burst: the first BURST_LIMIT show at once, the rest become one summary at the end of the window', () => {
    const burst: [number, JobAlert][] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id, i) => [
      T0 + i * 100,
      alert({ job_id: id, run_id: i + 1, title: `${id} is failing` }),
    ]);
    const { state, shown } = feed(burst);
    expect(shown).toEqual(['a is failing', 'b is failing']);
    expect(BURST_LIMIT).toBe(2);
    const flushed = flushNotices(state, ctx(T0 + BURST_WINDOW_MS));
    expect(flushed.show).toEqual([
      {
        title: '5 more Jobtray alerts',
        body: 'c is failing; d is failing; e is failing; f is failing, and 1 more.',
        urgency: 'critical',
        target: { kind: 'dashboard' },
      },
    ]);
    expect(flushed.state.held).toEqual([]);
    // A new window starts after the flush.
    expect(
      onAlert(flushed.state, alert({ job_id: 'h', title: 'h is failing' }), ctx(T0 + BURST_WINDOW_MS + 1)).show,
    ).toHaveLength(1);
  });

  it('one held alert is shown as itself at the flush, not as a summary', () => {
    const { state } = feed([
      [T0, alert({ job_id: 'a' })],
      [T0 + 1, alert({ job_id: 'b' })],
      [T0 + 2, alert({ job_id: 'c', title: 'c is failing', run_id: 3 })],
    ]);
    expect(flushNotices(state, ctx(T0 + BURST_WINDOW_MS)).show).toEqual([
      { title: 'c is failing', body: 'Last error: exit 3', urgency: 'critical', target: { kind: 'run', runId: 3 } },
    ]);
  });
});
