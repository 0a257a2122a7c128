import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { healthStatus } from '../../contract/health-status.js';
import { trayIconFile } from '../desktop/tray-icon.js';
import {
  trayKey,
  trayMenuTemplate,
  trayTooltip,
  type TrayAction,
  type TrayMenuInput,
  type TrayMenuItem,
} from '../desktop/tray-menu.js';

/**
 * The tray: icon per health state, tooltip, and a context menu holding every
 * action. Everything it shows comes from the pure template (tray-menu.ts);
 * this file only hands it to Electron, and only when it changed.
 */

// Module-level: a Tray only referenced from a closure is garbage-collected and vanishes.
let tray: Tray | null = null;
let shownKey: string | null = null;

export interface TrayOptions {
  iconsDir: string;
  platform: NodeJS.Platform;
  onAction(action: TrayAction): void;
}

function toElectron(
  items: readonly TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: item.label, submenu: toElectron(item.submenu, onAction) };
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, click: () => onAction(item.action) };
      case 'normal': {
        const action = item.action;
        return { label: item.label, enabled: item.enabled, ...(action ? { click: () => onAction(action) } : {}) };
      }
    }
  });
}

export function setupTray(options: TrayOptions): { update(input: TrayMenuInput): void; destroy(): void } {
  const image = (file: string) => {
    const icon = nativeImage.createFromPath(path.join(options.iconsDir, file));
    if (options.platform === 'darwin') icon.setTemplateImage(true);
    return icon;
  };
  return {
    update(input) {
      const iconFile = trayIconFile(healthStatus(input.health), options.platform);
      const template = trayMenuTemplate(input);
      const tooltip = trayTooltip(input.health);
      const key = trayKey(template, tooltip, iconFile);
      if (tray && key === shownKey) return;
      if (!tray) {
        tray = new Tray(image(iconFile));
        // Windows and macOS: a left click opens the dashboard; on Linux it may never fire, the menu has the same item.
        tray.on('click', () => options.onAction({ kind: 'open-dashboard' }));
      }
      shownKey = key;
      tray.setImage(image(iconFile));
      tray.setToolTip(tooltip);
      // Linux (AppIndicator) needs setContextMenu again after every change of the menu.
      tray.setContextMenu(Menu.buildFromTemplate(toElectron(template, options.onAction)));
    },
    destroy() {
      tray?.destroy();
      tray = null;
      shownKey = null;
    },
  };
}
