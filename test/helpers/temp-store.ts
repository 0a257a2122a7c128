import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type NewRun, type Store } from '../../main/engine/store.js';
import { track } from './open-handles.js';

/** A store on a fresh SQLite file in a new temp dir, tracked so a test that leaves it open fails. */
export function makeTempStore(): { store: Store; dir: string; path: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-'));
  const file = path.join(dir, 'jobtray.db');
  const store = openStore({ path: file });
  track({ name: `store ${file}`, isOpen: () => store.isOpen(), close: () => store.close() });
  return { store, dir, path: file };
}

/** A minimal valid first-attempt manual run of `sample-job`, with `overrides` applied. */
export function sampleRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    job_id: 'sample-job',
    trigger: 'manual',
    requested_by: 'ui',
    params: {},
    state: 'queued',
    attempt: 1,
    max_attempts: 1,
    parent_run_id: null,
    priority: 'normal',
    ...overrides,
  };
}
