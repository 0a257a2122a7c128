import { describe, expect, it } from 'vitest';
import { decideOpenBrowser, type OpenBrowserFacts } from '../../main/host/open-browser.js';

const desktop: OpenBrowserFacts = { argv: [], env: { DISPLAY: ':0' }, platform: 'linux', hasDashboard: true };

describe('decideOpenBrowser', () => {
  it('opens on a Linux desktop session (X11 or Wayland), and always on macOS and Windows', () => {
    expect(decideOpenBrowser(desktop)).toEqual({ open: true });
    expect(decideOpenBrowser({ ...desktop, env: { WAYLAND_DISPLAY: 'wayland-0' } })).toEqual({ open: true });
    expect(decideOpenBrowser({ ...desktop, env: {}, platform: 'darwin' })).toEqual({ open: true });
    expect(decideOpenBrowser({ ...desktop, env: {}, platform: 'win32' })).toEqual({ open: true });
  });

  it('does not open without a display, in CI, when told not to, or without a dashboard', () => {
    expect(decideOpenBrowser({ ...desktop, env: {} })).toEqual({
      open: false,
      reason: expect.stringMatching(/no desktop session/),
    });
    expect(decideOpenBrowser({ ...desktop, env: { DISPLAY: ':0', CI: 'true' } })).toEqual({
      open: false,
      reason: 'running in CI',
    });
    expect(decideOpenBrowser({ ...desktop, platform: 'darwin', env: { CI: '1' } })).toEqual({
      open: false,
      reason: 'running in CI',
    });
    expect(decideOpenBrowser({ ...desktop, argv: ['--no-open'] })).toEqual({
      open: false,
      reason: '--no-open was given',
    });
    expect(decideOpenBrowser({ ...desktop, env: { DISPLAY: ':0', JOBTRAY_NO_OPEN: '1' } })).toEqual({
      open: false,
      reason: 'JOBTRAY_NO_OPEN is set',
    });
    expect(decideOpenBrowser({ ...desktop, hasDashboard: false })).toEqual({
      open: false,
      reason: 'the dashboard is not built',
    });
    // Set but not a yes: still opens.
    expect(decideOpenBrowser({ ...desktop, env: { DISPLAY: ':0', JOBTRAY_NO_OPEN: '0', CI: 'false' } })).toEqual({
      open: true,
    });
  });
});
