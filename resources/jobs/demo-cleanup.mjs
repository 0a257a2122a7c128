// A nightly cleanup-style job that only reports: it lists old files in the
// system temp folder but deletes nothing. A real cleanup job would remove them
// (and log what it removed).
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const MAX_AGE_DAYS = 7;

export default async function demoCleanup(ctx) {
  const folder = os.tmpdir();
  const cutoff = Date.now() - MAX_AGE_DAYS * 24 * 60 * 60 * 1000;
  ctx.progress(10, `Scanning ${folder}`);
  const names = await readdir(folder);
  let old = 0;
  for (const name of names) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const info = await stat(path.join(folder, name)).catch(() => null);
    if (info && info.mtimeMs < cutoff) old++;
  }
  ctx.progress(100, 'Report ready');
  ctx.log.info(
    `${old} of ${names.length} entries in ${folder} are older than ${MAX_AGE_DAYS} days (nothing was deleted)`,
  );
  return { folder, entries: names.length, older_than_days: MAX_AGE_DAYS, old, deleted: 0 };
}
