import { describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import { classifyStorageError, storageFailureText, storageFullError } from '../../main/engine/storage-errors.js';

/** An error as better-sqlite3 or node:fs throws it: a message and a `code` (fs errors also a `path`). */
function thrown(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('classifyStorageError', () => {
  it.each([
    ['SQLITE_FULL', 'full'],
    ['ENOSPC', 'full'],
    ['EDQUOT', 'full'],
    ['SQLITE_IOERR', 'io'],
    ['SQLITE_IOERR_WRITE', 'io'],
    ['SQLITE_IOERR_FSYNC', 'io'],
    ['SQLITE_IOERR_SHMSIZE', 'io'],
    ['EIO', 'io'],
  ])('%s is a storage failure (%s)', (code, kind) => {
    expect(classifyStorageError(thrown(code, 'x'))).toEqual({ kind, code, path: null });
  });

  it.each([
    'SQLITE_BUSY',
    'SQLITE_CORRUPT',
    'SQLITE_CONSTRAINT_UNIQUE',
    'SQLITE_READONLY',
    'ENOENT',
    'EACCES',
    'EMFILE',
    'SQLITE_IOERRX',
  ])('%s is not', (code) => {
    expect(classifyStorageError(thrown(code, 'x'))).toBeNull();
  });

  it('is null for what has no code: plain errors, strings, null, a non-string code', () => {
    for (const value of [new Error('database or disk is full'), 'ENOSPC', null, undefined, 42, { code: 28 }]) {
      expect(classifyStorageError(value)).toBeNull();
    }
  });

  it('takes the file from a node:fs error', () => {
    const error = thrown('ENOSPC', 'ENOSPC: no space left on device, write', { path: '/data/artifacts/3/out.csv' });
    expect(classifyStorageError(error)).toEqual({ kind: 'full', code: 'ENOSPC', path: '/data/artifacts/3/out.csv' });
  });

  it('follows cause chains, and stops on a cyclic one', () => {
    const inner = thrown('SQLITE_FULL', 'database or disk is full');
    expect(
      classifyStorageError(new Error('batch failed', { cause: new Error('wrapped', { cause: inner }) }))?.code,
    ).toBe('SQLITE_FULL');
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(classifyStorageError(a)).toBeNull();
  });

  it('sees the storage_full error a failure becomes, with its file', () => {
    const converted = storageFullError(
      { kind: 'full', code: 'SQLITE_FULL', path: '/data/jobtray.db' },
      thrown('SQLITE_FULL', 'database or disk is full'),
    );
    expect(converted).toBeInstanceOf(JobtrayError);
    expect(converted.code).toBe('storage_full');
    expect(converted.message).toBe(
      'disk full: cannot write to /data/jobtray.db (SQLITE_FULL: database or disk is full)',
    );
    expect(classifyStorageError(converted)).toEqual({ kind: 'full', code: 'SQLITE_FULL', path: '/data/jobtray.db' });
    // Other contract errors are not storage failures.
    expect(classifyStorageError(new JobtrayError('conflict', 'no'))).toBeNull();
  });

  it('does not repeat a code the message already starts with', () => {
    const error = thrown('ENOSPC', 'ENOSPC: no space left on device, write');
    expect(storageFullError({ kind: 'full', code: 'ENOSPC', path: '/d/a.csv' }, error).message).toBe(
      'disk full: cannot write to /d/a.csv (ENOSPC: no space left on device, write)',
    );
  });

  it('names the kinds for people', () => {
    expect(storageFailureText('full')).toBe('disk full');
    expect(storageFailureText('io')).toBe('storage I/O error');
  });
});
