import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { artifactNameProblem, type ArtifactRecord } from '../../contract/model.js';
import { classifyStorageError, storageFullError } from './storage-errors.js';

const MEDIA_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function mediaTypeFor(name: string): string {
  return MEDIA_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Where a run's artifacts live, relative to the data directory. */
export function artifactRelPath(runId: number, name: string): string {
  return path.join('artifacts', String(runId), name);
}

/**
 * Copies (from `source`) or writes (`data`) an artifact into the data
 * directory: written to a temp file first and renamed, so a crash never leaves
 * a half-written artifact under its final name. A write that fails removes
 * its temp file; one that fails for lack of space or I/O throws the
 * `storage_full` error naming the artifact (storage-errors.ts).
 */
export async function storeArtifact(
  dataDir: string,
  runId: number,
  name: string,
  from: { path: string } | { data: string | Uint8Array },
): Promise<ArtifactRecord> {
  const problem = artifactNameProblem(name);
  if (problem) throw new Error(`invalid artifact name ${JSON.stringify(name)}: ${problem}`);
  const rel = artifactRelPath(runId, name);
  const target = path.join(dataDir, rel);
  const temp = `${target}.tmp-${process.pid}`;
  let content: Buffer;
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    if ('path' in from) await fs.copyFile(from.path, temp);
    else await fs.writeFile(temp, from.data);
    content = await fs.readFile(temp);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    const failure = classifyStorageError(error);
    throw failure ? storageFullError({ ...failure, path: target }, error) : error;
  }
  return {
    run_id: runId,
    name,
    size: content.byteLength,
    sha256: createHash('sha256').update(content).digest('hex'),
    path: rel,
    media_type: mediaTypeFor(name),
    created_at: Date.now(),
  };
}

export async function removeArtifactFiles(dataDir: string, relPaths: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of relPaths) {
    const full = path.join(dataDir, rel);
    dirs.add(path.dirname(full));
    await fs.rm(full, { force: true });
  }
  // Run folders are removed once empty.
  for (const dir of dirs) await fs.rmdir(dir).catch(() => {});
}
