import type { InjectionKey } from 'vue';
import type { RunRecord } from '../../../contract/model.js';

/** What a job card can do, provided once by the grid to its hundreds of cards. */
export interface JobActions {
  /** A manual run without params (a job with params opens its run dialog instead). */
  trigger(jobId: string): Promise<unknown>;
  cancel(runs: readonly RunRecord[]): Promise<unknown>;
  setEnabled(jobId: string, enabled: boolean): Promise<unknown>;
}

export const JOB_ACTIONS: InjectionKey<JobActions> = Symbol('job card actions');
