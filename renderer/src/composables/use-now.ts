import { onScopeDispose, ref, type Ref } from 'vue';

/**
 * The one ticking clock of the page: countdowns and relative times read it, so
 * they all change in the same frame, once a second, with one timer however many
 * are on screen. The timer runs only while something uses the clock.
 */
const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export function useNow(): Readonly<Ref<number>> {
  if (users++ === 0) {
    now.value = Date.now();
    timer = setInterval(() => {
      now.value = Date.now();
    }, 1_000);
  }
  onScopeDispose(() => {
    if (--users === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  });
  return now;
}
