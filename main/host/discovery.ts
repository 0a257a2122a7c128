import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveryFile } from '../../contract/api.js';
import { writeFileAtomic } from './token.js';

export const DISCOVERY_FILE = 'api.json';

export function discoveryPath(dataDir: string): string {
  return path.join(dataDir, DISCOVERY_FILE);
}

/** Tells local clients (the CLI, scripts) where the running host is; owner-only, it holds the token. */
export function writeDiscovery(dataDir: string, info: DiscoveryFile): void {
  writeFileAtomic(discoveryPath(dataDir), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

export function readDiscovery(dataDir: string): DiscoveryFile | null {
  try {
    return JSON.parse(fs.readFileSync(discoveryPath(dataDir), 'utf8')) as DiscoveryFile;
  } catch {
    return null;
  }
}

/** Removes the file only if this process wrote it. */
export function removeDiscovery(dataDir: string): void {
  if (readDiscovery(dataDir)?.pid === process.pid) fs.rmSync(discoveryPath(dataDir), { force: true });
}
