import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The folder holding Jobtray's package.json, from source (main/engine) or build (dist/main/engine). */
export function packageRoot(): string {
  let dir = here;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'resources'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Jobtray's package root above ${here}`);
    dir = parent;
  }
}

/**
 * Bree runs workers from JavaScript files: the compiled worker entry. When the
 * engine itself runs from TypeScript sources (tests), it is the build's copy.
 */
export function defaultWorkerPath(): string {
  return path.join(packageRoot(), 'dist', 'workers', 'run-job.js');
}

/** The run store's SQLite file in a data directory. */
export function databasePath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'jobtray.db');
}

/** Template jobs file and demo jobs copied into a new data directory. */
export function defaultResourcesDir(): string {
  return path.join(packageRoot(), 'resources');
}

/**
 * Jobtray's version, from its package.json: in the discovery file and the
 * webhooks' User-Agent. `unknown` when it cannot be read, which is no reason
 * to fail either.
 */
export function appVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The built dashboard served by the headless host, when it has been built. */
export function defaultStaticDir(): string | null {
  const dir = path.join(packageRoot(), 'dist', 'renderer');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}
