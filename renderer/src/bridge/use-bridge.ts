import { inject, type InjectionKey } from 'vue';
import { BridgeError, type Bridge } from '../../../contract/bridge.js';

/** The app provides its bridge under this key (main.ts; tests provide a fake one). */
export const BRIDGE_KEY: InjectionKey<Bridge> = Symbol('jobtray bridge');

/** The bridge, inside a component's or a store's setup. */
export function useBridge(): Bridge {
  const bridge = inject(BRIDGE_KEY, null);
  if (!bridge) throw new Error('no bridge provided: main.ts provides one under BRIDGE_KEY');
  return bridge;
}

/** A failure as one sentence for the screen. */
export function errorText(error: unknown): string {
  if (error instanceof BridgeError || error instanceof Error) return error.message;
  return String(error);
}
