import fs from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { openStore, type NewRun, type Store } from '../../main/engine/store/index.js';
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

export type TempStore = ReturnType<typeof makeTempStore>;

/**
 * A fresh temp store for every test of the calling file: `const temp = useTempStore()`,
 * then `temp.store` inside tests. Closed and removed after each test.
 */
export function useTempStore(): TempStore {
  let current: TempStore | null = null;
  beforeEach(() => {
    current = makeTempStore();
  });
  afterEach(() => {
    if (!current) return;
    current.store.close();
    fs.rmSync(current.dir, { recursive: true, force: true });
    current = null;
  });
  const get = () => {
    if (!current) throw new Error('useTempStore(): only available inside a test');
    return current;
  };
  return {
    get store() {
      return get().store;
    },
    get dir() {
      return get().dir;
    },
    get path() {
      return get().path;
    },
  };
}
