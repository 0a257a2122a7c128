import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { HEALTH_STATUSES } from '../../contract/health-status.js';
import { healthStatus } from '../../contract/health-status.js';
import { trayIconFile, windowIconFile } from '../../main/desktop/tray-icon.js';

const ICONS = fileURLToPath(new URL('../../resources/icons/', import.meta.url));

describe('trayIconFile', () => {
  it('one icon per health state and OS: template PNGs on macOS, .ico on Windows, coloured PNGs on Linux', () => {
    expect(trayIconFile('failing', 'darwin')).toBe('tray/mac/failingTemplate.png');
    expect(trayIconFile('paused', 'win32')).toBe('tray/win/paused.ico');
    expect(trayIconFile('warning', 'linux')).toBe('tray/linux/warning.png');
    expect(trayIconFile('ok', 'freebsd')).toBe('tray/linux/ok.png');
    const files = HEALTH_STATUSES.map((status) => trayIconFile(status, 'linux'));
    expect(new Set(files).size).toBe(HEALTH_STATUSES.length);
  });

  it('follows the overall health: overdue or retrying warn, paused shows unless something fails', () => {
    const base = { config_error_count: 0, paused: false };
    expect(trayIconFile(healthStatus({ ...base, overall: 'retrying' }), 'linux')).toBe('tray/linux/warning.png');
    expect(trayIconFile(healthStatus({ ...base, overall: 'overdue' }), 'linux')).toBe('tray/linux/warning.png');
    expect(trayIconFile(healthStatus({ ...base, overall: 'ok', paused: true }), 'linux')).toBe('tray/linux/paused.png');
    expect(trayIconFile(healthStatus({ ...base, overall: 'failing', paused: true }), 'linux')).toBe(
      'tray/linux/failing.png',
    );
    expect(trayIconFile(healthStatus({ ...base, overall: 'running' }), 'linux')).toBe('tray/linux/running.png');
  });

  it('every file it names exists in resources/icons (with the @2x of each macOS template)', () => {
    for (const status of HEALTH_STATUSES) {
      for (const platform of ['darwin', 'win32', 'linux'] as const) {
        const file = path.join(ICONS, trayIconFile(status, platform));
        expect(fs.existsSync(file), file).toBe(true);
        if (platform === 'darwin') expect(fs.existsSync(file.replace(/\.png$/, '@2x.png')), `${file} @2x`).toBe(true);
      }
    }
    for (const platform of ['win32', 'linux'] as const)
      expect(fs.existsSync(path.join(ICONS, windowIconFile(platform)!))).toBe(true);
    expect(windowIconFile('darwin')).toBeNull();
  });

  it('sizes per OS: macOS templates 16 and 32 px, Windows .ico frames 16/20/24/32, Linux 24 and 48 px', () => {
    const pngSize = (file: string) => PNG.sync.read(fs.readFileSync(path.join(ICONS, file))).width;
    /** Frame sizes from the ICO directory (a width byte of 0 means 256). */
    const icoSizes = (file: string) => {
      const ico = fs.readFileSync(path.join(ICONS, file));
      return Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    };
    for (const status of HEALTH_STATUSES) {
      expect(pngSize(trayIconFile(status, 'darwin'))).toBe(16);
      expect(pngSize(trayIconFile(status, 'darwin').replace('.png', '@2x.png'))).toBe(32);
      expect(icoSizes(trayIconFile(status, 'win32'))).toEqual([16, 20, 24, 32]);
      expect(pngSize(trayIconFile(status, 'linux'))).toBe(24);
    }
    expect(icoSizes('app/icon.ico')).toEqual([16, 24, 32, 48, 64, 128, 256]);
    expect(pngSize('app/1024x1024.png')).toBe(1024);
  });
});
