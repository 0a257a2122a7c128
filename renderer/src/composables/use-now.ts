import { onScopeDispose, ref, type Ref } from 'vue';

/**
 * The one ticking clock of the page: countdowns, elapsed times and relative
 * times all read it, so they change in the same frame, once a second, with one
 * timer however many are on screen. The timer runs only while someone listens.
 */
const now = ref(Date.now());
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | null = null;

/** Calls `listener` with the time once a second until the returned function is called. */
export function onTick(listener: (now: number) => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    const at = Date.now();
    for (const each of [...listeners]) each(at);
  }, 1_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The clock as a ref, for templates; ticks for as long as the calling scope lives. */
export function useNow(): Readonly<Ref<number>> {
  now.value = Date.now();
  onScopeDispose(onTick((at) => (now.value = at)));
  return now;
}
