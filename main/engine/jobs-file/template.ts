import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { coerceError, JobtrayError } from '../../../contract/errors.js';

/**
 * First start: when `file` does not exist, creates it from `templateDir`
 * (resources/: jobs.yaml and the jobs/ folder of demo scripts). Never overwrites
 * a file; each file appears whole (temp file + rename), scripts before the jobs
 * file so a watcher never sees a jobs file whose scripts are missing.
 * Returns true when the jobs file was created.
 */
export async function ensureJobsFile(file: string, templateDir: string): Promise<boolean> {
  if (fs.existsSync(file)) return false;
  const targetDir = path.dirname(file);
  try {
    await mkdir(targetDir, { recursive: true });
    await copyMissing(path.join(templateDir, 'jobs'), path.join(targetDir, 'jobs'));
    await copyAtomically(path.join(templateDir, 'jobs.yaml'), file);
  } catch (err) {
    throw new JobtrayError(
      'internal',
      `Cannot create the jobs file ${file} from the template in ${templateDir}: ${coerceError(err).message}`,
    );
  }
  return true;
}

/** Copies a folder tree, skipping files that already exist. A missing source folder is nothing to copy. */
async function copyMissing(from: string, to: string): Promise<void> {
  const items = await readdir(from, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (items === null) return;
  await mkdir(to, { recursive: true });
  for (const item of items) {
    const source = path.join(from, item.name);
    const target = path.join(to, item.name);
    if (item.isDirectory()) await copyMissing(source, target);
    else if (item.isFile() && !fs.existsSync(target)) await copyAtomically(source, target);
  }
}

async function copyAtomically(from: string, to: string): Promise<void> {
  const temp = `${to}.${process.pid}-${randomUUID()}.tmp`;
  try {
    await copyFile(from, temp);
    await rename(temp, to);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
