import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core: the e2e suite, B7 and
 * `npm run screenshots` all start it here. Playwright's own browser downloads
 * are not available on these machines, so the system binary is used
 * (`apt-get install chromium`; JOBTRAY_CHROMIUM points elsewhere).
 */
export const CHROMIUM_PATH = process.env.JOBTRAY_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Extra command-line switches (B7 exposes `performance.memory` with one). */
  args?: string[];
}

export interface Chromium {
  context: BrowserContext;
  /** The browser process; its renderers and helpers are its descendants. */
  pid: number;
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set JOBTRAY_CHROMIUM`,
    );
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: [...ARGS, ...(options.args ?? [])],
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  const pid = browserPid(userDataDir);
  let closing: Promise<void> | null = null;
  return {
    context,
    pid,
    close: () =>
      (closing ??= context.close().finally(() => {
        fs.rmSync(userDataDir, { recursive: true, force: true });
      })),
  };
}

/**
 * Playwright does not expose the process of a persistent context: it is the
 * child of this process started with this context's (unique) user data dir.
 */
function browserPid(userDataDir: string): number {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(`--user-data-dir=${userDataDir}`))
        return Number(name);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  throw new Error(`cannot find the Chromium process started with --user-data-dir=${userDataDir}`);
}
