/**
 * Builds better-sqlite3 for Electron's ABI into
 * build/native/electron-<platform>-<arch>/better_sqlite3.node, beside — not in
 * place of — the Node build in node_modules that the tests, the CLI and the
 * headless host load. electron-builder ships it as <resources>/native/
 * (electron-builder.yml, `npmRebuild: false`), and the app opens the store
 * with it (EngineOptions.nativeBinding). Run on the packaging machine, for its
 * own platform (native modules are not cross-compiled): `npm run dist` does.
 *
 * How: a copy of the installed better-sqlite3 in build/native-stage/ is
 * rebuilt by @electron/rebuild (a prebuilt binary through prebuild-install
 * when one exists for this Electron, else node-gyp with Electron's headers;
 * both need the network).
 */
import fs from 'node:fs';
import path from 'node:path';
import { rebuild } from '@electron/rebuild';
import { nativeBuildDir } from '../main/desktop/desktop-paths.js';
import { packageRoot } from '../main/engine/paths.js';

async function main(): Promise<void> {
  const root = packageRoot();
  const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string };
  const electronVersion = readJson(path.join(root, 'node_modules', 'electron', 'package.json')).version;
  const platform = (process.env.npm_config_platform ?? process.platform) as NodeJS.Platform;
  const arch = process.env.npm_config_arch ?? process.arch;
  const source = path.join(root, 'node_modules', 'better-sqlite3');
  const stage = path.join(root, 'build', 'native-stage');
  const target = path.join(root, nativeBuildDir(platform, arch), 'better_sqlite3.node');

  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'node_modules'), { recursive: true });
  fs.writeFileSync(
    path.join(stage, 'package.json'),
    JSON.stringify({
      name: 'jobtray-native-stage',
      private: true,
      dependencies: { 'better-sqlite3': readJson(path.join(source, 'package.json')).version },
    }),
  );
  fs.cpSync(source, path.join(stage, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (file) => !file.startsWith(path.join(source, 'build')),
  });
  console.log(`building better-sqlite3 for Electron ${electronVersion} (${platform}-${arch})…`);
  try {
    await rebuild({ buildPath: stage, electronVersion, platform, arch, onlyModules: ['better-sqlite3'], force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(
      path.join(stage, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
      target,
    );
    console.log(`wrote ${path.relative(root, target)}`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(
    `better-sqlite3 could not be built for Electron: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
