import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type ChromiumOptions } from '../../bench/chromium.js';
import { eventually, isAlive } from './engine.js';
import { keepAcrossTests } from './open-handles.js';
import { liveDescendants } from './processes.js';

/** What Chromium logs for each reconnect attempt while the host is down; the page cannot suppress it. */
const CONNECTION_REFUSED = /net::ERR_CONNECTION_REFUSED/;

export interface TestBrowser {
  context: BrowserContext;
  /** The context's one page. */
  page: Page;
  /**
   * Console errors and uncaught page errors since the last call. While the
   * host is down on purpose (expectConnectionRefused), Chromium's
   * connection-refused lines are expected and left out; nothing else ever is.
   */
  takeErrors(): string[];
  expectConnectionRefused(expected: boolean): void;
  /** Closes the browser and waits until none of its processes is left. */
  close(): Promise<void>;
}

/**
 * Debian's Chromium for a suite's tests: started once in beforeAll, kept across
 * the tests (the per-test leak check leaves it alone), closed in afterAll.
 */
export async function startTestBrowser(options: ChromiumOptions = {}): Promise<TestBrowser> {
  const chromium = await launchChromium(options);
  const release = keepAcrossTests(chromium.pid);
  const { context } = chromium;
  const errors: string[] = [];
  let refusedExpected = false;
  context.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (refusedExpected && CONNECTION_REFUSED.test(message.text())) return;
    const where = message.location();
    errors.push(`console error: ${message.text()} (${where.url}:${where.lineNumber})`);
  });
  context.on('weberror', (error) => errors.push(`page error: ${error.error().stack ?? error.error().message}`));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    takeErrors: () => errors.splice(0),
    expectConnectionRefused: (expected) => {
      refusedExpected = expected;
    },
    async close() {
      // Its helpers would be re-parented away from this process if they outlived it: list them first.
      const processes = [chromium.pid, ...liveDescendants(chromium.pid)];
      await chromium.close();
      await eventually(
        () => processes.every((pid) => !isAlive(pid)),
        `every Chromium process (${processes.join(', ')}) to exit`,
      );
      release();
    },
  };
}
