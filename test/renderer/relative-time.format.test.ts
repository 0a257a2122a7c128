import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, withDirectives } from 'vue';
import { formatElapsed, formatRelative, formatSpan } from '../../contract/relative-time.js';
import { vRelativeTime } from '../../renderer/src/directives/relative-time.js';

/** `<time v-relative-time="at">` */
const RelativeTime = defineComponent({
  props: { at: { type: Number, required: true } },
  setup: (props) => () => withDirectives(h('time'), [[vRelativeTime, props.at]]),
});

const NOW = Date.UTC(2026, 0, 15, 9, 30, 0);
const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('relative times', () => {
  it('formats spans in the units that matter, rounded down', () => {
    expect(formatSpan(0)).toBe('0 s');
    expect(formatSpan(28_999)).toBe('28 s');
    expect(formatSpan(4 * MIN + 5 * S)).toBe('4 min 05 s');
    expect(formatSpan(5 * MIN)).toBe('5 min');
    expect(formatSpan(42 * MIN + 59 * S)).toBe('42 min');
    expect(formatSpan(3 * H + 20 * MIN)).toBe('3 h 20 min');
    expect(formatSpan(2 * H)).toBe('2 h');
    expect(formatSpan(2 * 24 * H + 4 * H + 59 * MIN)).toBe('2 d 4 h');
    expect(formatSpan(-5 * S)).toBe('0 s');
  });

  it('says "in …" ahead, "… ago" behind, "now" within a second', () => {
    expect(formatRelative(NOW + 4 * MIN, NOW)).toBe('in 4 min');
    expect(formatRelative(NOW + 28 * S, NOW)).toBe('in 28 s');
    expect(formatRelative(NOW - 2 * H, NOW)).toBe('2 h ago');
    expect(formatRelative(NOW - 3 * MIN - 40 * S, NOW)).toBe('3 min ago');
    expect(formatRelative(NOW - 12 * S, NOW)).toBe('12 s ago');
    expect(formatRelative(NOW + 400, NOW)).toBe('now');
  });

  it('shows elapsed time as a clock', () => {
    expect(formatElapsed(NOW - 7 * S, NOW)).toBe('0:07');
    expect(formatElapsed(NOW - 12 * MIN - 30 * S, NOW)).toBe('12:30');
    expect(formatElapsed(NOW - H - 2 * MIN - 3 * S, NOW)).toBe('1:02:03');
    expect(formatElapsed(NOW + S, NOW)).toBe('0:00');
  });
});

describe('v-relative-time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts down once a second, then counts up, with the exact time in its title', async () => {
    const wrapper = mount(RelativeTime, { props: { at: NOW + 62 * S } });
    expect(wrapper.text()).toBe('in 1 min 02 s');
    expect(wrapper.attributes('datetime')).toBe(new Date(NOW + 62 * S).toISOString());
    expect(wrapper.attributes('title')).toMatch(/2026/);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(wrapper.text()).toBe('in 1 min 01 s');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(wrapper.text()).toBe('in 59 s');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(wrapper.text()).toBe('now');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(wrapper.text()).toBe('5 min ago');
    // A new instant is shown at once, and ticks on.
    const later = Date.now() + 30 * S;
    await wrapper.setProps({ at: later });
    expect(wrapper.text()).toBe('in 30 s');
    expect(wrapper.attributes('datetime')).toBe(new Date(later).toISOString());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(wrapper.text()).toBe('in 29 s');
    wrapper.unmount();
    // The shared clock stops when nothing shows a relative time.
    expect(vi.getTimerCount()).toBe(0);
  });
});
