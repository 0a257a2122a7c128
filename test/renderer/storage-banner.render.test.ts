import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import StorageBanner from '../../renderer/src/components/StorageBanner.vue';
import { useHealthStore } from '../../renderer/src/stores/health-store.js';
import { health } from './helpers/data.js';
import { FakeBridge, makeTestApp, mountOptions } from './helpers/fake-bridge.js';

const STORAGE = {
  code: 'SQLITE_FULL',
  path: '/data/jobtray.db',
  free_bytes: 2048,
  since: 1,
  message: 'disk full',
  dropped_log_lines: 1204,
  held_fires: 1,
};

describe('StorageBanner', () => {
  it('shows the file, the code, the free space and what is held while writing fails, and goes away when it works', async () => {
    const bridge = new FakeBridge()
      .answer('health:get', health())
      .answer('config:get', { file: '/data/jobs.yaml', errors: [], loaded_at: 1, applied_at: 1 });
    const test = makeTestApp(bridge);
    const store = test.run(() => useHealthStore());
    store.setUp();
    const wrapper = mount(StorageBanner, mountOptions(test, bridge));
    expect(wrapper.find('[data-testid=storage-banner]').exists()).toBe(false);

    bridge.emit('health:change', health({ overall: 'failing', storage: STORAGE }));
    await flushPromises();
    const banner = wrapper.get('[data-testid=storage-banner]');
    expect(banner.attributes('role')).toBe('alert');
    expect(banner.text()).toContain('/data/jobtray.db');
    expect(banner.text()).toContain('SQLITE_FULL');
    expect(banner.text()).toContain('2.0 KB free');
    expect(banner.text()).toContain('1 scheduled fire so far');
    expect(banner.text()).toContain('1204 log lines could not be written');

    bridge.emit('health:change', health());
    await flushPromises();
    expect(wrapper.find('[data-testid=storage-banner]').exists()).toBe(false);
    wrapper.unmount();
  });
});
