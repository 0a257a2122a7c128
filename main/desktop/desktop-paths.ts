import path from 'node:path';

/**
 * Where the desktop app finds its parts, from source (`npm start` with the
 * Electron binary) or packaged by electron-builder (electron-builder.yml):
 *
 *   <resources>/app.asar            dist/ (main, preload, renderer, contract), package.json
 *   <resources>/app.asar.unpacked   dist/workers/ and dist/contract/ (worker threads cannot
 *                                   load from an asar), package.json ("type": "module"), *.node
 *   <resources>/icons/              tray and app icons
 *   <resources>/jobs.yaml, jobs/    the demo jobs copied into a new data dir
 *   <resources>/native/             better-sqlite3 built for Electron's ABI (scripts/build-electron-native.ts)
 *
 * Pure.
 */

/** electron-builder's appId: Windows matches toasts to the Start-menu shortcut by it (setAppUserModelId). */
export const APP_ID = 'app.jobtray.desktop';
export const PRODUCT_NAME = 'Jobtray';

export interface DesktopPathFacts {
  isPackaged: boolean;
  /** process.resourcesPath */
  resourcesPath: string;
  /** app.getAppPath(): the asar when packaged, the package root from source. */
  appPath: string;
  platform: NodeJS.Platform;
  arch: string;
}

export interface DesktopPaths {
  icons: string;
  /** The engine's template folder (jobs.yaml and jobs/). */
  demoJobs: string;
  worker: string;
  renderer: string;
  preload: string;
  /** better-sqlite3's binding for Electron's ABI. */
  nativeBinding: string;
}

/** The folder scripts/build-electron-native.ts writes, relative to the package root. */
export function nativeBuildDir(platform: NodeJS.Platform, arch: string): string {
  return path.join('build', 'native', `electron-${platform}-${arch}`);
}

export function desktopPaths(facts: DesktopPathFacts): DesktopPaths {
  const { appPath, resourcesPath } = facts;
  const shared = {
    renderer: path.join(appPath, 'dist', 'renderer'),
    preload: path.join(appPath, 'dist', 'preload', 'preload.cjs'),
  };
  if (facts.isPackaged) {
    return {
      ...shared,
      icons: path.join(resourcesPath, 'icons'),
      demoJobs: resourcesPath,
      worker: path.join(resourcesPath, 'app.asar.unpacked', 'dist', 'workers', 'run-job.js'),
      nativeBinding: path.join(resourcesPath, 'native', 'better_sqlite3.node'),
    };
  }
  return {
    ...shared,
    icons: path.join(appPath, 'resources', 'icons'),
    demoJobs: path.join(appPath, 'resources'),
    worker: path.join(appPath, 'dist', 'workers', 'run-job.js'),
    nativeBinding: path.join(appPath, nativeBuildDir(facts.platform, facts.arch), 'better_sqlite3.node'),
  };
}
