import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../contract/model.js';
import { openStore } from '../../main/engine/store/index.js';
import { track } from '../helpers/open-handles.js';
import { useTempStore } from '../helpers/temp-store.js';

const temp = useTempStore();

describe('store settings', () => {
  it('starts from the defaults', () => {
    expect(temp.store.getSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it('stores a patch over the defaults and keeps it across reopen', () => {
    const updated = temp.store.updateSettings({
      max_concurrent_runs: 2,
      webhook_url: 'https://chat.example/hooks/ops',
    });
    expect(updated).toEqual({
      ...DEFAULT_SETTINGS,
      max_concurrent_runs: 2,
      webhook_url: 'https://chat.example/hooks/ops',
    });
    const next = temp.store.updateSettings({ default_timeout_ms: 60_000, webhook_url: null });
    expect(next).toEqual({ ...DEFAULT_SETTINGS, max_concurrent_runs: 2, default_timeout_ms: 60_000 });
    temp.store.close();

    const reopened = openStore({ path: temp.path });
    track({ name: `store ${temp.path} (reopened)`, isOpen: () => reopened.isOpen(), close: () => reopened.close() });
    expect(reopened.getSettings()).toEqual(next);
    reopened.close();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an unknown key', { max_runs: 3 }, ['"max_runs"', '3']],
    ['a string for a number', { max_concurrent_runs: 'four' }, ['"max_concurrent_runs"', '"four"']],
    ['a fraction', { kill_grace_ms: 1.5 }, ['"kill_grace_ms"', '1.5']],
    ['zero concurrency', { max_concurrent_runs: 0 }, ['"max_concurrent_runs"', '0']],
    ['a negative age', { retention_max_age_days: -1 }, ['"retention_max_age_days"', '-1']],
    ['null where not allowed', { log_cap_per_run: null }, ['"log_cap_per_run"', 'null']],
    ['a non-http webhook', { webhook_url: 'ftp://example.com/x' }, ['"webhook_url"', '"ftp://example.com/x"']],
  ])('refuses %s, naming key and value', (_name, patch, mentions) => {
    let thrown: unknown;
    try {
      temp.store.updateSettings(patch as Partial<Settings>);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid_input' });
    for (const text of mentions) expect((thrown as Error).message).toContain(text);
  });

  it('stores nothing of a patch with any bad key', () => {
    expect(() => temp.store.updateSettings({ max_concurrent_runs: 8, kill_grace_ms: -5 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    expect(temp.store.getSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it('refuses a patch that is not an object', () => {
    expect(() => temp.store.updateSettings([] as unknown as Partial<Settings>)).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });
});

describe('store meta', () => {
  it('sets, reads and removes values', () => {
    expect(temp.store.getMeta('paused')).toBeNull();
    temp.store.setMeta('paused', '1');
    temp.store.setMeta('last_alive_at', '1700000000000');
    temp.store.setMeta('paused', '0');
    expect(temp.store.getMeta('paused')).toBe('0');
    expect(temp.store.getMeta('last_alive_at')).toBe('1700000000000');
    temp.store.setMeta('paused', null);
    expect(temp.store.getMeta('paused')).toBeNull();
  });
});
