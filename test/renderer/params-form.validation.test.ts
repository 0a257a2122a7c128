import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../contract/bridge.js';
import type { ParamSpec } from '../../contract/model.js';
import ParamsForm from '../../renderer/src/components/ParamsForm.vue';
import RunDialog from '../../renderer/src/components/RunDialog.vue';
import { definition, jobView, run } from './helpers/data.js';
import { FakeBridge, makeTestApp, mountOptions } from './helpers/fake-bridge.js';

const PARAMS: Record<string, ParamSpec> = {
  count: { type: 'integer', label: 'Items', default: 5, min: 1, max: 50, required: false },
  ratio: { type: 'number', min: 0, max: 1, required: true },
  label: { type: 'string', default: 'hello', max: 5, required: false },
  dry_run: { type: 'boolean', default: true, required: false },
  mode: { type: 'enum', values: ['quick', 'full'], default: 'quick', required: false },
  region: { type: 'enum', values: ['eu', 'us'], required: true },
};

function field(wrapper: ReturnType<typeof mount>, name: string) {
  return wrapper.get(`[data-testid="param-${name}"]`);
}

function errorOf(wrapper: ReturnType<typeof mount>, name: string): string {
  return field(wrapper, name).get('[data-testid="field-error"]').text();
}

describe('ParamsForm', () => {
  it('generates a field per param type, with defaults filled in and bounds in the hint', () => {
    const wrapper = mount(ParamsForm, { props: { params: PARAMS } });
    expect(field(wrapper, 'count').get('label').text()).toBe('Items');
    expect((field(wrapper, 'count').get('input').element as HTMLInputElement).value).toBe('5');
    expect(field(wrapper, 'count').get('input').attributes('inputmode')).toBe('numeric');
    expect(field(wrapper, 'count').text()).toContain('1–50');
    expect(field(wrapper, 'ratio').get('input').attributes('inputmode')).toBe('decimal');
    expect((field(wrapper, 'ratio').get('input').element as HTMLInputElement).value).toBe('');
    expect(field(wrapper, 'ratio').text()).toContain('required');
    expect((field(wrapper, 'label').get('input').element as HTMLInputElement).value).toBe('hello');
    expect(field(wrapper, 'label').text()).toContain('at most 5 characters');
    expect((field(wrapper, 'dry_run').get('input[type="checkbox"]').element as HTMLInputElement).checked).toBe(true);
    const mode = field(wrapper, 'mode').get('select');
    expect((mode.element as HTMLSelectElement).value).toBe('quick');
    expect(mode.findAll('option').map((o) => o.text())).toEqual(['quick', 'full']);
    // A required enum without a default asks for a choice.
    expect(
      field(wrapper, 'region')
        .findAll('option')
        .map((o) => o.text()),
    ).toEqual(['Choose…', 'eu', 'us']);
  });

  it("refuses bad values with the engine's rules, next to each field, and submits nothing", async () => {
    const wrapper = mount(ParamsForm, { props: { params: PARAMS }, attachTo: document.body });
    await field(wrapper, 'count').get('input').setValue('51');
    await field(wrapper, 'ratio').get('input').setValue('0.5x');
    await field(wrapper, 'label').get('input').setValue('too long');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(errorOf(wrapper, 'count')).toBe('must be at most 50, got 51');
    expect(errorOf(wrapper, 'ratio')).toBe('expected a number, got "0.5x"');
    expect(errorOf(wrapper, 'label')).toBe('must be at most 5 characters long, got "too long"');
    expect(errorOf(wrapper, 'region')).toBe('is required (enum)');
    expect(field(wrapper, 'count').get('input').attributes('aria-invalid')).toBe('true');
    // The first field to fix gets the focus.
    expect(document.activeElement).toBe(field(wrapper, 'count').get('input').element);

    await field(wrapper, 'count').get('input').setValue('1.5');
    expect(errorOf(wrapper, 'count')).toBe('expected an integer, got "1.5"');
    await field(wrapper, 'count').get('input').setValue('0');
    expect(errorOf(wrapper, 'count')).toBe('must be at least 1, got 0');
    wrapper.unmount();
  });

  it('submits typed, coerced values; an emptied field with a default takes the default', async () => {
    const wrapper = mount(ParamsForm, { props: { params: PARAMS } });
    await field(wrapper, 'count').get('input').setValue('');
    await field(wrapper, 'ratio').get('input').setValue(' 0.25 ');
    await field(wrapper, 'dry_run').get('input').setValue(false);
    await field(wrapper, 'mode').get('select').setValue('full');
    await field(wrapper, 'region').get('select').setValue('eu');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('submit')).toEqual([
      [{ count: 5, ratio: 0.25, label: 'hello', dry_run: false, mode: 'full', region: 'eu' }],
    ]);
  });

  it("shows the server's error next to its field until that field is edited", async () => {
    const wrapper = mount(ParamsForm, { props: { params: PARAMS, serverErrors: { label: 'the server says no' } } });
    expect(errorOf(wrapper, 'label')).toBe('the server says no');
    expect(errorOf(wrapper, 'count')).toBe('');
    await field(wrapper, 'label').get('input').setValue('ok');
    expect(errorOf(wrapper, 'label')).toBe('');
  });
});

describe('RunDialog', () => {
  it("triggers with the form's values and maps an invalid_params answer to its fields", async () => {
    const bridge = new FakeBridge();
    const app = makeTestApp(bridge);
    const job = jobView('alpha', { definition: definition('alpha', { count: PARAMS.count!, label: PARAMS.label! }) });
    let answer: 'reject' | 'accept' = 'reject';
    bridge.answer('jobs:trigger', () => {
      if (answer === 'reject')
        throw new BridgeError('invalid_params', 'Invalid params', {
          problems: ['x'],
          fields: { count: 'must be at most 10 on this server' },
        });
      return { run_id: 7, run: run(7) };
    });
    const wrapper = mount(RunDialog, { props: { job }, ...mountOptions(app, bridge), attachTo: document.body });
    await wrapper.get('form').trigger('submit');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(bridge.callsOf('jobs:trigger')).toEqual([{ id: 'alpha', params: { count: 5, label: 'hello' } }]);
    expect(errorOf(wrapper, 'count')).toBe('must be at most 10 on this server');
    expect(wrapper.emitted('started')).toBeUndefined();

    answer = 'accept';
    await wrapper.get('form').trigger('submit');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wrapper.emitted('started')?.[0]?.[0]).toMatchObject({ id: 7 });
    wrapper.unmount();
  });
});
