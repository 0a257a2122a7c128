/**
 * Which failures mean the data directory cannot be written — no space left,
 * a quota reached, an I/O error — and the `storage_full` error they become.
 * Pure: the storage guard (storage-guard.ts) decides what the engine does.
 */
import { JobtrayError } from '../../contract/errors.js';

/** `full`: no space (SQLITE_FULL, ENOSPC, EDQUOT); `io`: the volume failed a write (SQLITE_IOERR*, EIO). */
export type StorageFailureKind = 'full' | 'io';

export interface StorageFailure {
  kind: StorageFailureKind;
  /** The code as thrown: `SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `ENOSPC`, … */
  code: string;
  /** The file whose write failed, when the error says. */
  path: string | null;
}

/** What a failure is called in messages: "1,204 log lines dropped: disk full". */
export function storageFailureText(kind: StorageFailureKind): string {
  return kind === 'full' ? 'disk full' : 'storage I/O error';
}

/** The kind of failure a code means, or null when it is none of them. */
export function storageFailureKind(code: string): StorageFailureKind | null {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_') || code === 'EIO') return 'io';
  return null;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * The storage failure `error` is, or null for any other error. Looks at the
 * `code` of a better-sqlite3 SqliteError or a Node fs error, at a
 * `storage_full` JobtrayError (see storageFullError), and down `cause` chains.
 */
export function classifyStorageError(error: unknown): StorageFailure | null {
  let current = error;
  // Bounded: a cause chain may be cyclic.
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const details = current instanceof JobtrayError && current.code === 'storage_full' ? current.details : current;
    const code = field(details, 'code');
    const kind = typeof code === 'string' ? storageFailureKind(code) : null;
    if (typeof code === 'string' && kind) {
      const path = field(details, 'path');
      return { kind, code, path: typeof path === 'string' ? path : null };
    }
    current = field(current, 'cause');
  }
  return null;
}

/**
 * The error a failed write becomes at the store's boundary: code
 * `storage_full` (Local API 507), a message naming the file, and the failure
 * in `details` so classifyStorageError still sees it.
 */
export function storageFullError(failure: StorageFailure & { path: string }, thrown: unknown): JobtrayError {
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  // Node's fs messages start with their code already ("ENOSPC: no space left on device, write").
  const cause = detail.startsWith(failure.code) ? detail : `${failure.code}: ${detail}`;
  const message = `${storageFailureText(failure.kind)}: cannot write to ${failure.path} (${cause})`;
  return new JobtrayError('storage_full', message, { code: failure.code, path: failure.path });
}
