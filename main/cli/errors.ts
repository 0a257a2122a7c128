import { JobtrayError } from '../../contract/errors.js';

/** Exit codes: 0 success (a run succeeded), 1 anything that failed, 2 a command line the CLI cannot use. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The command line itself is wrong (exit code 2); the message says which argument and what is expected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** No Jobtray host answers where the CLI looked. */
export function notRunning(where: string): JobtrayError {
  return new JobtrayError(
    'unavailable',
    `Jobtray is not running (no API at ${where}). Start it with: jobtray serve (or npm start in a checkout), or pass --data-dir / --url to point at a running one.`,
  );
}
