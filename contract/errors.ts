/**
 * Expected failures carry a code and a message a person can act on. Boundaries
 * (Local API, IPC, CLI) map codes to their own status values.
 */
export const ERROR_CODES = [
  'not_found',
  'invalid_input',
  'invalid_params',
  'conflict',
  'unauthorized',
  'forbidden',
  'payload_too_large',
  'unavailable',
  /** A write failed for lack of space or an I/O error (Local API 507); the message names the path. */
  'storage_full',
  /** The database file is damaged; the message names it and the ways on (restore a backup, or --move-damaged-db). */
  'storage_corrupt',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class JobtrayError extends Error {
  override readonly name = 'JobtrayError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Turns anything thrown into an Error, keeping the original as `cause`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const message =
    typeof thrown === 'string'
      ? thrown
      : (() => {
          try {
            return JSON.stringify(thrown) ?? String(thrown);
          } catch {
            return String(thrown);
          }
        })();
  return new Error(message, { cause: thrown });
}
