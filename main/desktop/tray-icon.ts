import type { HealthStatus } from '../../contract/health-status.js';

/**
 * The tray icon file for a health state, per OS, relative to the icons folder
 * (resources/icons/ in the source tree, `<resources>/icons/` in a packaged
 * app). The files are made by scripts/make-icons.ts:
 * - Linux: coloured PNGs with a dark outline, readable on light and dark panels;
 * - macOS: template images (`…Template.png` + `@2x`), which the menu bar tints
 *   itself, so each state has its own shape, not only its own colour;
 * - Windows: `.ico` with 16, 20, 24 and 32 px frames for every display scale.
 * Pure.
 */
export function trayIconFile(status: HealthStatus, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray/mac/${status}Template.png`;
  if (platform === 'win32') return `tray/win/${status}.ico`;
  return `tray/linux/${status}.png`;
}

/** The window and taskbar icon (Linux and Windows; macOS takes the bundle's). */
export function windowIconFile(platform: NodeJS.Platform): string | null {
  if (platform === 'darwin') return null;
  return platform === 'win32' ? 'app/icon.ico' : 'app/512x512.png';
}
