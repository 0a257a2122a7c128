import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { useJobsStore } from '../../renderer/src/stores/jobs-store.js';
import JobDetailView from '../../renderer/src/views/JobDetailView.vue';
import { definition, jobView } from './helpers/data.js';
import { FakeBridge, makeTestApp, mountOptions } from './helpers/fake-bridge.js';

describe('job page ?run=1 (the desktop tray’s Run now of a job with params)', () => {
  it('opens the run form once the job is known, then drops the query', async () => {
    const job = jobView('export', {
      definition: definition('export', { days: { type: 'integer', default: 7, required: false } }),
    });
    const bridge = new FakeBridge()
      .answer('jobs:list', { jobs: [job] })
      .answer('jobs:sparklines', { jobs: {} })
      .answer('runs:list', { runs: [], next_cursor: null })
      .answer('audit:list', { entries: [] });
    const test = makeTestApp(bridge);
    await test.router.push('/jobs/export?run=1');
    const wrapper = mount(JobDetailView, {
      props: { id: 'export' },
      attachTo: document.body,
      ...mountOptions(test, bridge),
    });
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(false);

    await test.run(() => useJobsStore().load());
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(true);
    expect(test.router.currentRoute.value.fullPath).toBe('/jobs/export');
    wrapper.unmount();
  });
});
