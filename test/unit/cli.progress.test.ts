import { describe, expect, it } from 'vitest';
import { ProgressView, renderBar } from '../../main/cli/progress.js';
import { captureStream } from '../helpers/cli.js';

describe('renderBar', () => {
  it('fills the bar in proportion and shows the step', () => {
    expect(renderBar({ progress: 40, step: 'Importing orders', state: 'running' })).toBe(
      '[########............]  40% Importing orders',
    );
    expect(renderBar({ progress: 100, step: null, state: 'running' })).toBe('[####################] 100% running');
    expect(renderBar({ progress: null, step: null, state: 'retry_scheduled' })).toBe(
      '[....................]   0% retry scheduled',
    );
  });

  it('clamps out-of-range progress', () => {
    expect(renderBar({ progress: 250, step: 'x', state: 'running' })).toContain('100% x');
    expect(renderBar({ progress: -5, step: 'x', state: 'running' })).toContain('  0% x');
  });
});

describe('ProgressView', () => {
  it('on a terminal redraws one line in place and prints other lines above it', () => {
    const out = captureStream(true);
    const view = new ProgressView(out);
    view.update({ progress: 10, step: 'Loading', state: 'running' });
    view.update({ progress: 10, step: 'Loading', state: 'running' });
    view.update({ progress: 50, step: 'Importing', state: 'running' });
    view.line('a notice');
    view.end();
    expect(out.text).toBe(
      '\r[##..................]  10% Loading\x1b[K' +
        '\r[##########..........]  50% Importing\x1b[K' +
        '\r\x1b[Ka notice\n[##########..........]  50% Importing' +
        '\r\x1b[K',
    );
  });

  it('keeps the bar within the terminal width', () => {
    const out = captureStream(true);
    out.columns = 30;
    new ProgressView(out).update({
      progress: 10,
      step: 'a very long step description that would wrap',
      state: 'running',
    });
    expect(out.text.replace('\x1b[K', '').length).toBeLessThanOrEqual(30);
  });

  it('elsewhere prints one line per change', () => {
    const out = captureStream(false);
    const view = new ProgressView(out);
    view.update({ progress: null, step: null, state: 'running' });
    view.update({ progress: 10, step: 'Loading', state: 'running' });
    view.update({ progress: 10, step: 'Loading', state: 'running' });
    view.update({ progress: 50, step: 'Importing', state: 'running' });
    view.end();
    expect(out.text).toBe('running\n10% Loading\n50% Importing\n');
  });
});
