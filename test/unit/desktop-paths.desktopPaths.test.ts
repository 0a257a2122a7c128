import { describe, expect, it } from 'vitest';
import { desktopPaths } from '../../main/desktop/desktop-paths.js';

describe('desktopPaths', () => {
  it('packaged: the worker from app.asar.unpacked, icons, demo jobs and the Electron-ABI binding from resources', () => {
    expect(
      desktopPaths({
        isPackaged: true,
        resourcesPath: '/opt/Jobtray/resources',
        appPath: '/opt/Jobtray/resources/app.asar',
        platform: 'linux',
        arch: 'x64',
      }),
    ).toEqual({
      renderer: '/opt/Jobtray/resources/app.asar/dist/renderer',
      preload: '/opt/Jobtray/resources/app.asar/dist/preload/preload.cjs',
      icons: '/opt/Jobtray/resources/icons',
      demoJobs: '/opt/Jobtray/resources',
      worker: '/opt/Jobtray/resources/app.asar.unpacked/dist/workers/run-job.js',
      nativeBinding: '/opt/Jobtray/resources/native/better_sqlite3.node',
    });
  });

  it('from source: the build in dist/, resources/ of the repository, the binding built for this platform', () => {
    expect(
      desktopPaths({
        isPackaged: false,
        resourcesPath: '/x/node_modules/electron/dist/resources',
        appPath: '/src/jobtray',
        platform: 'darwin',
        arch: 'arm64',
      }),
    ).toEqual({
      renderer: '/src/jobtray/dist/renderer',
      preload: '/src/jobtray/dist/preload/preload.cjs',
      icons: '/src/jobtray/resources/icons',
      demoJobs: '/src/jobtray/resources',
      worker: '/src/jobtray/dist/workers/run-job.js',
      nativeBinding: '/src/jobtray/build/native/electron-darwin-arm64/better_sqlite3.node',
    });
  });
});
