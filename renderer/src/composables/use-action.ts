import { ref, type Ref } from 'vue';
import { errorText } from '../bridge/use-bridge.js';

export interface Action {
  /** True while an action runs (buttons disable themselves). */
  busy: Ref<boolean>;
  /** Why the last action failed, for the screen; null after a success. */
  failure: Ref<string | null>;
  /** Runs `work`; a failure is caught into `failure`. Resolves true when it succeeded. */
  act(work: () => Promise<unknown>): Promise<boolean>;
}

/** An operator's action on a screen (run, cancel, save…): one busy flag and one failure message. */
export function useAction(): Action {
  const busy = ref(false);
  const failure = ref<string | null>(null);
  async function act(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    failure.value = null;
    try {
      await work();
      return true;
    } catch (error) {
      failure.value = errorText(error);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, failure, act };
}
