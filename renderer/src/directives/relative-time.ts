import type { ObjectDirective } from 'vue';
import { formatRelative } from '../../../contract/relative-time.js';
import { onTick } from '../composables/use-now.js';
import { formatDateTime } from '../format.js';

/**
 * `<time v-relative-time="ms"></time>`: "in 4 min" / "2 h ago", ticking with
 * the page's clock; the exact local time in its title, the ISO instant in
 * `datetime`. A directive, not a component: the grid shows hundreds of these,
 * and each would otherwise be a component instance with its own reactive
 * effects. The directive owns the element's text (give it no children); one
 * listener on the clock rewrites the texts that changed.
 */
const shown = new Map<HTMLElement, number>();
let stopTicking: (() => void) | null = null;

function paint(el: HTMLElement, at: number, now: number): void {
  const text = formatRelative(at, now);
  if (el.textContent !== text) el.textContent = text;
}

function show(el: HTMLElement, at: number): void {
  shown.set(el, at);
  el.setAttribute('datetime', new Date(at).toISOString());
  el.title = formatDateTime(at);
  paint(el, at, Date.now());
  stopTicking ??= onTick((now) => {
    for (const [each, eachAt] of shown) paint(each, eachAt, now);
  });
}

export const vRelativeTime: ObjectDirective<HTMLElement, number> = {
  mounted: (el, { value }) => show(el, value),
  updated: (el, { value }) => {
    if (shown.get(el) !== value) show(el, value);
  },
  unmounted: (el) => {
    shown.delete(el);
    if (shown.size === 0) {
      stopTicking?.();
      stopTicking = null;
    }
  },
};
