import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Bree runs workers from JavaScript files, so the engine's worker entry
 * (workers/run-job.ts) must be compiled before any test starts a run.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
