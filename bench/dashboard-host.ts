import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Settings } from '../contract/model.js';
import { defaultStaticDir, packageRoot } from '../main/engine/paths.js';
import { tempDir, writeFiles } from './lib.js';

/**
 * A headless host serving the built dashboard, for B7 and the screenshots: in
 * a process of its own (as `jobtray serve` runs, so the browser driver in this
 * process never slows it), serving the product's dist/renderer plus the
 * bench's own baseline pages (bench/pages) from a temp folder, so the
 * baselines come from the same server and are never shipped.
 */

export interface DashboardHost {
  /** The Local API's base URL. */
  url: string;
  /** The dashboard logged in (`/#token=…`), as the host prints it. */
  loginUrl: string;
  token: string;
  dataDir: string;
  /** The Local API with the host's token. */
  api: LocalApiCall;
  close(): Promise<void>;
}

export type LocalApiCall = <T>(apiPath: string, init?: { method?: string; body?: unknown }) => Promise<T>;

/** Calls the Local API at `base()` with the token (JSON in and out); an error status throws with the answer. */
export function localApiClient(base: () => string, token: string): LocalApiCall {
  return async <T>(apiPath: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${base()}${apiPath}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${apiPath}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
}

/** dist/renderer and bench/pages in one temp folder. */
function staticDirWithBaselines(): string {
  const built = defaultStaticDir();
  if (!built) throw new Error('the dashboard is not built: run `npm run build` first');
  const dir = tempDir('static');
  fs.cpSync(built, dir, { recursive: true });
  fs.cpSync(path.join(packageRoot(), 'bench', 'pages'), dir, { recursive: true });
  return dir;
}

export async function startDashboardHost(options: {
  dataDir?: string;
  jobs: string;
  files?: Record<string, string>;
  settings?: Partial<Settings>;
}): Promise<DashboardHost> {
  const dataDir = options.dataDir ?? tempDir('dashboard');
  writeFiles(dataDir, { ...options.files, 'jobs.yaml': options.jobs });
  const staticDir = staticDirWithBaselines();
  const script = fileURLToPath(new URL('./serve-dashboard.js', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify({ dataDir, staticDir, settings: options.settings })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const loginUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^Dashboard: (http:\/\/\S+\/#token=\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`the dashboard host exited with ${code} before printing its URL`)));
  });
  const url = new URL(loginUrl).origin;
  const token = decodeURIComponent(loginUrl.slice(loginUrl.indexOf('#token=') + '#token='.length));
  return {
    url,
    loginUrl,
    token,
    dataDir,
    api: localApiClient(() => url, token),
    async close() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(staticDir, { recursive: true, force: true });
    },
  };
}

/** The page's JS heap in MB after a full garbage collection (Chrome DevTools Protocol). */
export async function heapAfterGcMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize / 2 ** 20;
  } finally {
    await cdp.detach();
  }
}
