/**
 * The window's size and position, remembered across starts. Pure: what is
 * saved, and where to open given the displays now (a saved position on a
 * monitor that was unplugged would open the window off screen).
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1200, height: 800 };
export const MIN_SIZE = { width: 640, height: 420 };
/** This much of the window's title bar must be on a display, or the position is dropped. */
const VISIBLE_PX = 64;

function isRect(value: unknown): value is Rect {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((key) => typeof r[key] === 'number' && Number.isFinite(r[key]));
}

/** The saved state, or null when the file's content is not one (a damaged or old file). */
export function parseWindowState(saved: unknown): WindowState | null {
  if (typeof saved !== 'object' || saved === null) return null;
  const { bounds, maximized } = saved as Record<string, unknown>;
  return isRect(bounds)
    ? {
        bounds: { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height },
        maximized: maximized === true,
      }
    : null;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Where to open: the saved bounds, clamped to the minimum size and to the
 * largest work area, when the window's top strip is on some display now;
 * else the saved size, centred by the OS (no x/y); else the default size.
 */
export function windowBoundsFor(
  saved: WindowState | null,
  workAreas: readonly Rect[],
): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  if (!saved) return { bounds: { ...DEFAULT_SIZE }, maximized: false };
  const largest = workAreas.reduce<Rect | null>(
    (best, area) => (best && best.width * best.height >= area.width * area.height ? best : area),
    null,
  );
  const width = Math.max(MIN_SIZE.width, Math.min(saved.bounds.width, largest?.width ?? saved.bounds.width));
  const height = Math.max(MIN_SIZE.height, Math.min(saved.bounds.height, largest?.height ?? saved.bounds.height));
  const titleBar: Rect = { x: saved.bounds.x, y: saved.bounds.y, width, height: Math.min(VISIBLE_PX, height) };
  const visible = workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.width >= VISIBLE_PX && o.height > 0;
  });
  return {
    bounds: visible ? { x: saved.bounds.x, y: saved.bounds.y, width, height } : { width, height },
    maximized: saved.maximized,
  };
}
