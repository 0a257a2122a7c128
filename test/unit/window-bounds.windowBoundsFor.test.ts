import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZE, MIN_SIZE, parseWindowState, windowBoundsFor } from '../../main/desktop/window-bounds.js';

const LAPTOP = { x: 0, y: 0, width: 1440, height: 900 };
const MONITOR = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('window bounds memory', () => {
  it('reopens where it was when that place is on a display now', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1300, height: 900 }, maximized: true };
    expect(windowBoundsFor(saved, [LAPTOP, MONITOR])).toEqual({ bounds: saved.bounds, maximized: true });
  });

  it('a position on an unplugged monitor is dropped (the OS centres the window), the size clamped to the displays', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 2400, height: 1300 }, maximized: false };
    expect(windowBoundsFor(saved, [LAPTOP])).toEqual({ bounds: { width: 1440, height: 900 }, maximized: false });
    // Only a sliver of the title bar on screen counts as off screen.
    expect(
      windowBoundsFor({ bounds: { x: 1400, y: 10, width: 800, height: 600 }, maximized: false }, [LAPTOP]).bounds,
    ).toEqual({ width: 800, height: 600 });
  });

  it('never smaller than the minimum; nothing saved → the default size', () => {
    expect(
      windowBoundsFor({ bounds: { x: 10, y: 10, width: 50, height: 50 }, maximized: false }, [LAPTOP]).bounds,
    ).toEqual({ x: 10, y: 10, ...MIN_SIZE });
    expect(windowBoundsFor(null, [LAPTOP])).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
  });

  it('parses a saved file defensively', () => {
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4, extra: 1 }, maximized: 'yes' })).toEqual({
      bounds: { x: 1, y: 2, width: 3, height: 4 },
      maximized: false,
    });
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 3 } })).toBeNull();
    expect(parseWindowState({ bounds: { x: Number.NaN, y: 2, width: 3, height: 4 } })).toBeNull();
    expect(parseWindowState('junk')).toBeNull();
  });
});
