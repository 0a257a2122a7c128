import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from 'node:http';
import type { OperationResults } from '../../contract/api.js';
import { JobtrayError } from '../../contract/errors.js';
import { API_HEADERS } from './respond.js';

/** `type/subtype` with optional simple parameters; anything else is sent as bytes. */
const MEDIA_TYPE =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[a-z0-9_-]+=[a-z0-9_.-]+)*$/i;

/**
 * Streams an artifact's file from disk. It is always a download
 * (`attachment`), never rendered in the dashboard's origin: an HTML or SVG
 * artifact made by a job could otherwise run script there, hence also the
 * sandboxing CSP.
 */
export async function sendArtifact(
  res: ServerResponse,
  { record, file }: OperationResults['runs:artifact'],
): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    throw new JobtrayError(
      'not_found',
      `the file of artifact ${JSON.stringify(record.name)} of run ${record.run_id} is missing from the data directory (${record.path})`,
    );
  }
  try {
    const { size } = await handle.stat();
    res.writeHead(200, {
      ...API_HEADERS,
      'Content-Type': MEDIA_TYPE.test(record.media_type) ? record.media_type : 'application/octet-stream',
      'Content-Length': String(size),
      'Content-Disposition': contentDisposition(record.name),
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    await pipeline(handle.createReadStream({ autoClose: false }), res);
  } finally {
    await handle.close();
  }
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<exact name>`
 * (RFC 6266 / 8187): quotes, backslashes, control and non-ASCII characters
 * never reach the quoted form.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // Lone surrogates cannot be percent-encoded as UTF-8; in u-mode this class matches only those.
  const exact = encodeURIComponent(name.replace(/[\ud800-\udfff]/gu, '\ufffd')).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
