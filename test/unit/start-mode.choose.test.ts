import { describe, expect, it } from 'vitest';
import { chooseStartMode, type StartFacts } from '../../main/host/start-mode.js';

const desktop: StartFacts = { electronBinary: '/x/electron', electronBinaryExists: true, appBuilt: true, platform: 'linux', env: { DISPLAY: ':0' } };

describe('chooseStartMode', () => {
  it('starts Electron only with a runtime, a display and a built app', () => {
    expect(chooseStartMode(desktop)).toEqual({ mode: 'electron', binary: '/x/electron' });
    expect(chooseStartMode({ ...desktop, platform: 'darwin', env: {} })).toEqual({ mode: 'electron', binary: '/x/electron' });
    expect(chooseStartMode({ ...desktop, env: { WAYLAND_DISPLAY: 'wayland-0' } }).mode).toBe('electron');
  });

  it('falls back to the headless host and says why', () => {
    expect(chooseStartMode({ ...desktop, electronBinary: null, electronBinaryExists: false })).toEqual({ mode: 'headless', reason: 'the Electron runtime is not installed on this machine' });
    expect(chooseStartMode({ ...desktop, electronBinaryExists: false }).mode).toBe('headless');
    expect(chooseStartMode({ ...desktop, env: {} })).toMatchObject({ mode: 'headless', reason: expect.stringContaining('no display') });
    expect(chooseStartMode({ ...desktop, appBuilt: false })).toMatchObject({ mode: 'headless', reason: expect.stringContaining('not been built') });
    expect(chooseStartMode({ ...desktop, env: { DISPLAY: ':0', JOBTRAY_HEADLESS: '1' } })).toMatchObject({ mode: 'headless' });
  });
});
