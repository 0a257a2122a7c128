import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { localApiClient, type LocalApiCall } from '../../bench/dashboard-host.js';
import { startHost, type Host } from '../../main/host/host.js';
import { startTestBrowser, type TestBrowser } from '../helpers/browser.js';
import { TEST_SETTINGS, makeDataDir, writeFiles } from '../helpers/engine.js';
import { E2E_FILES, E2E_JOBS } from './e2e-jobs.js';
import { connectIpcPage } from './ipc-page.js';

/**
 * What every e2e suite stands on: a real headless host (engine, Local API and
 * the built dashboard, in this process) running the suite's jobs file, and
 * Debian's Chromium with one page on the dashboard.
 *
 * The suites run once per bridge mode (`describe.each(BRIDGE_MODES)`), both
 * on the same built page; `connectPage` is the one place that knows how the
 * page reaches the engine:
 * - `http`: the page opens the login URL the host prints
 *   (`http://127.0.0.1:PORT/#token=…`) and talks HTTP + SSE to the Local API.
 * - `ipc`: the desktop app's bridge (ipc-page.ts). The page opens the host's
 *   URL without a token; an init script has set `window.jobtray` as the
 *   preload does, so the page's first module (renderer/src/main.ts) builds
 *   contract's makeBridge on it. Its calls reach main's real handlers
 *   (registerIpc on stand-ins of `ipcMain` / `webContents.send`) through
 *   Playwright's exposeBinding, judged by the app's sender check for the
 *   page's origin; the engine's events are delivered into the page. The
 *   handlers use the running host's engine, registered again after a restart.
 *   The page makes no request to /api.
 * Scenarios about the printed URL and token and the host's restart (the
 * page's event stream dropping) are HTTP's own (`mode === 'http'` in the
 * suites): the window's IPC has no URL, token or stream to drop.
 */
export const BRIDGE_MODES = ['http', 'ipc'] as const;
export type BridgeMode = (typeof BRIDGE_MODES)[number];

/** Bound of every wait on the page; generous, for two loaded cores. */
export const WAIT_MS = 20_000;

export interface E2eHost {
  dataDir: string;
  jobsFile: string;
  /** The running host; throws while it is stopped. */
  current(): Host;
  /** The Local API with the host's token (to check what the page shows against the engine). */
  api: LocalApiCall;
  /** Stops the host (the page's event stream drops). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /**
   * Calls `attach` with the running host, and again with each host started
   * after a restart; what it returns is called before that host stops.
   */
  onEachHost(attach: (host: Host) => () => void): void;
  close(): Promise<void>;
}

export async function startE2eHost(): Promise<E2eHost> {
  const dataDir = makeDataDir();
  writeFiles(dataDir, { ...E2E_FILES, 'jobs.yaml': E2E_JOBS });
  const jobsFile = path.join(dataDir, 'jobs.yaml');
  const start = (port: number) =>
    startHost({ dataDir, jobsFile, port, consoleLog: false, watch: true, settings: TEST_SETTINGS });
  let host: Host | null = await start(0);
  const port = Number(new URL(host.url).port);
  const { token } = JSON.parse(fs.readFileSync(path.join(dataDir, 'api.json'), 'utf8')) as { token: string };
  const current = () => {
    if (!host) throw new Error('the host is stopped');
    return host;
  };
  const attachments: { attach: (host: Host) => () => void; detach: (() => void) | null }[] = [];
  const detachAll = () => {
    for (const a of attachments) {
      a.detach?.();
      a.detach = null;
    }
  };
  return {
    dataDir,
    jobsFile,
    current,
    api: localApiClient(() => current().url, token),
    async stop() {
      const running = current();
      detachAll();
      await running.close();
      host = null;
    },
    async restart() {
      if (host) throw new Error('the host is already running');
      host = await start(port);
      for (const a of attachments) a.detach = a.attach(host);
    },
    onEachHost(attach) {
      attachments.push({ attach, detach: host ? attach(host) : null });
    },
    async close() {
      detachAll();
      await host?.close();
      host = null;
    },
  };
}

/** How a page reaches the engine in one mode. */
export interface PageConnection {
  /** The address that opens the dashboard (of the running host). */
  address(): string;
  /** The channels the page invoked over IPC, in order (none over HTTP). */
  invoked: readonly string[];
  /** What went wrong on the way that the page may not show (IPC: main's warnings and errors); taken. */
  takeProblems(): string[];
  /** Waits until what is on its way to the page has arrived. */
  settled(): Promise<void>;
}

/** Prepares `page` (once, before it opens the dashboard) to reach `host` through `mode`. */
export async function connectPage(mode: BridgeMode, page: Page, host: E2eHost): Promise<PageConnection> {
  switch (mode) {
    case 'http':
      return {
        address: () => host.current().loginUrl,
        invoked: [],
        takeProblems: () => [],
        settled: async () => {},
      };
    case 'ipc': {
      const ipc = await connectIpcPage(page);
      host.onEachHost(ipc.attach);
      return { ...ipc, address: () => host.current().url };
    }
  }
}

export interface Dashboard {
  mode: BridgeMode;
  host: E2eHost;
  browser: TestBrowser;
  page: Page;
  connection: PageConnection;
  /** Opens the dashboard as a user would and waits until its data is live; then `route` (e.g. `/jobs/chatty`). */
  open(route?: string): Promise<void>;
  /** Goes to a route of the open dashboard (no page load) and waits until `ready` shows. */
  go(route: string, ready: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(
  mode: BridgeMode,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Dashboard> {
  const host = await startE2eHost();
  let browser: TestBrowser;
  let connection: PageConnection;
  try {
    browser = await startTestBrowser(options);
  } catch (error) {
    await host.close();
    throw error;
  }
  const { page } = browser;
  try {
    connection = await connectPage(mode, page, host);
  } catch (error) {
    await browser.close();
    await host.close();
    throw error;
  }
  page.setDefaultTimeout(WAIT_MS);
  const go = async (route: string, ready: string) => {
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#${route}`);
    await shows(page.locator(ready), `${ready} on ${route}`);
  };
  return {
    mode,
    host,
    browser,
    page,
    connection,
    async open(route) {
      await page.goto(connection.address());
      await shows(page.locator('main[data-live=true]'), 'the dashboard with live data');
      if (route) await go(route, 'main[data-live=true]');
    },
    go,
    async close() {
      try {
        await browser.close();
      } finally {
        await host.close();
        await connection.settled();
      }
    },
  };
}

/**
 * A suite's dashboard: started before its tests (then `before`, by default
 * opening the page), its page checked after each test (no console error, no
 * page error), closed after all. The returned object is filled in beforeAll.
 */
export function dashboardSuite(mode: BridgeMode, before: (d: Dashboard) => Promise<void> = (d) => d.open()): Dashboard {
  const d = {} as Dashboard;
  beforeAll(async () => {
    Object.assign(d, await startDashboard(mode));
    await before(d);
  });
  afterEach(async () => {
    d.browser.expectConnectionRefused(false);
    await d.connection.settled();
    expect(d.browser.takeErrors().join('\n'), 'console errors in the page').toBe('');
    expect(d.connection.takeProblems().join('\n'), `problems on the ${mode} bridge`).toBe('');
  });
  afterAll(async () => {
    await d.close?.();
  });
  return d;
}

/** Waits until `locator` is visible; a timeout names what was awaited. */
export async function shows(locator: Locator, what: string, timeoutMs = WAIT_MS): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(locator)})`, { cause: error });
  }
  return locator.first();
}

/** Waits until `locator` is gone (or hidden). */
export async function vanishes(locator: Locator, what: string, timeoutMs = WAIT_MS): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch (error) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} to go away (${String(locator)})`, {
      cause: error,
    });
  }
}

/** Polls `probe` until `accept` holds; a timeout names what was awaited and the last value seen. */
export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The card of one job in the grid. */
export const card = (page: Page, jobId: string) => page.locator(`[data-testid=job-card][data-job-id="${jobId}"]`);

declare global {
  interface Window {
    /** The e2e suites' own state in the page: recorded texts, and a mark that proves no reload happened. */
    __e2e?: { records: Record<string, string[]>; mark?: string };
  }
}

/**
 * Records every distinct text the elements matching `selector` show from now
 * on (a MutationObserver in the page), so a state that lasts a moment is seen
 * however late a poll would come. Returns the reader.
 */
export async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  const key = await page.evaluate((sel) => {
    const e2e = (window.__e2e ??= { records: {} });
    const seen: string[] = [];
    const k = `${sel}#${Object.keys(e2e.records).length}`;
    e2e.records[k] = seen;
    const look = () => {
      for (const el of document.querySelectorAll(sel)) {
        const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
        if (text && !seen.includes(text)) seen.push(text);
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    look();
    return k;
  }, selector);
  return () => page.evaluate((k) => window.__e2e?.records[k] ?? [], key);
}

/** Marks the page's document; `stillSameDocument` is true until the page reloads or navigates away. */
export async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  const mark = `mark-${Math.random()}`;
  await page.evaluate((m) => {
    (window.__e2e ??= { records: {} }).mark = m;
  }, mark);
  return () => page.evaluate((m) => window.__e2e?.mark === m, mark);
}
