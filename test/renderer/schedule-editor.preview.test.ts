import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduleInput } from '../../contract/api.js';
import ScheduleEditor from '../../renderer/src/components/ScheduleEditor.vue';
import { jobView } from './helpers/data.js';
import { FakeBridge, makeTestApp, mountOptions } from './helpers/fake-bridge.js';

const NOW = Date.UTC(2026, 2, 2, 8, 0, 0);

/** The preview as the engine answers it: every 10 minutes from now, or the engine's error for a bad cron. */
function engine(bridge: FakeBridge): void {
  bridge.answer('jobs:preview-schedule', ({ schedule }) => {
    const input = schedule as ScheduleInput;
    if ('cron' in input && input.cron.startsWith('61'))
      return {
        valid: false,
        error: 'schedule override for job "alpha": field "cron": cron "61 * * * *" is invalid: minute out of range',
      };
    return {
      valid: true,
      schedule: { kind: 'every', every: '10m', every_ms: 600_000 },
      next: [1, 2, 3, 4, 5].map((k) => Date.now() + k * 600_000),
    };
  });
}

describe('ScheduleEditor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function settle(): Promise<void> {
    await vi.advanceTimersByTimeAsync(300);
    await flushPromises();
  }

  it("shows the engine's next five fire times as the operator types, and saves the override", async () => {
    const bridge = new FakeBridge();
    engine(bridge);
    const app = makeTestApp(bridge);
    const job = jobView('alpha');
    bridge.answer('jobs:set-schedule', ({ schedule }) =>
      jobView('alpha', {
        overrides: { enabled: null, schedule: { kind: 'every', every: '10m', every_ms: 600_000 } },
        definition: {
          ...job.definition!,
          schedule: { kind: 'every', every: (schedule as { every: string }).every, every_ms: 600_000 },
        },
      }),
    );
    const wrapper = mount(ScheduleEditor, { props: { job }, ...mountOptions(app, bridge) });
    await settle();
    // The job's own schedule (every 10m) is the starting point.
    expect(bridge.callsOf('jobs:preview-schedule')).toEqual([{ id: 'alpha', schedule: { every: '10m' } }]);
    const times = wrapper.findAll('[data-testid="schedule-preview-time"]');
    expect(times).toHaveLength(5);
    expect(times[0]!.text()).toContain('(in 10 min)');
    expect(times[4]!.text()).toContain('(in 50 min)');

    await wrapper.get('[data-testid="schedule-every"]').setValue('15m');
    await wrapper.get('[data-testid="schedule-every"]').setValue('15m ');
    await settle();
    // Typing is debounced: one preview for the settled value.
    expect(bridge.callsOf('jobs:preview-schedule')).toHaveLength(2);
    expect(bridge.callsOf('jobs:preview-schedule')[1]).toEqual({ id: 'alpha', schedule: { every: '15m' } });

    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(bridge.callsOf('jobs:set-schedule')).toEqual([{ id: 'alpha', schedule: { every: '15m' } }]);
    expect(wrapper.get('[data-testid="schedule-saved"]').text()).toContain('Saved');
  });

  it("shows the engine's error for a schedule it would refuse, and does not allow saving it", async () => {
    const bridge = new FakeBridge();
    engine(bridge);
    const app = makeTestApp(bridge);
    const wrapper = mount(ScheduleEditor, { props: { job: jobView('alpha') }, ...mountOptions(app, bridge) });
    await settle();
    await wrapper.get('[data-testid="schedule-kind-cron"]').setValue(true);
    await wrapper.get('[data-testid="schedule-cron"]').setValue('61 * * * *');
    await wrapper.get('[data-testid="schedule-timezone"]').setValue('Europe/Berlin');
    await settle();
    expect(bridge.calls.at(-1)).toEqual({
      name: 'jobs:preview-schedule',
      input: { id: 'alpha', schedule: { cron: '61 * * * *', timezone: 'Europe/Berlin' } },
    });
    expect(wrapper.get('[data-testid="schedule-preview-error"]').text()).toContain('minute out of range');
    expect(wrapper.findAll('[data-testid="schedule-preview-time"]')).toHaveLength(0);
    expect(wrapper.get('[data-testid="schedule-save"]').attributes('disabled')).toBeDefined();
  });

  it('offers "revert to the jobs file" only while an override is active', async () => {
    const bridge = new FakeBridge();
    engine(bridge);
    bridge.answer('jobs:reset-schedule', jobView('alpha'));
    const app = makeTestApp(bridge);
    const plain = mount(ScheduleEditor, { props: { job: jobView('alpha') }, ...mountOptions(app, bridge) });
    expect(plain.find('[data-testid="schedule-revert"]').exists()).toBe(false);
    const overridden = jobView('alpha', {
      overrides: { enabled: null, schedule: { kind: 'cron', cron: '0 3 * * *', timezone: null } },
    });
    const wrapper = mount(ScheduleEditor, { props: { job: overridden }, ...mountOptions(app, bridge) });
    expect(wrapper.text()).toContain('overridden');
    await wrapper.get('[data-testid="schedule-revert"]').trigger('click');
    await flushPromises();
    expect(bridge.callsOf('jobs:reset-schedule')).toEqual([{ id: 'alpha' }]);
  });
});
