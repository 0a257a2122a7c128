import type { Page } from 'playwright-core';
import { IPC_EVENT_CHANNEL, IPC_GLOBAL, type IpcEventMessage } from '../../contract/ipc.js';
import { senderCheck } from '../../main/desktop/app-protocol.js';
import { registerIpc } from '../../main/desktop/ipc-handlers.js';
import { createOperations } from '../../main/engine/operations.js';
import { readDiscovery } from '../../main/host/discovery.js';
import type { Host } from '../../main/host/host.js';
import { sendTestWebhook } from '../../main/notify/webhooks.js';
import { makeDesktopStandIn, makeIpcStandIns } from '../helpers/ipc.js';

/**
 * The desktop app's IPC bridge for a page in Chromium: main's real handlers
 * (registerIpc, as main/electron/main.ts registers them) on the stand-ins of
 * `ipcMain` and `webContents.send` (test/helpers/ipc.ts), reached from the
 * page through Playwright's bindings.
 *
 * - In the page, before its first module: `window.jobtray` as the preload
 *   (main/electron/preload.ts) exposes it, `{invoke, on}`. `invoke`
 *   structured-clones the payload in the page, as Electron's ipcRenderer does,
 *   then calls the binding; the page's first module builds makeBridge on it.
 * - The binding invokes the handler as the calling frame: its URL is the
 *   event's `senderFrame`, judged by the app's sender check (senderCheck) for
 *   the origin the page is served from, the host's.
 * - What main sends (engine events) is delivered into the page in order, in
 *   batches (one evaluate per batch, the next once it is in), to the
 *   listeners `on` registered. A page that is navigating or closed drops
 *   them, as a window does. Unlike Electron's one pipe, an event sent while a
 *   call is handled may arrive after the call's reply (as over HTTP and SSE).
 *
 * The handlers are registered with the running host's engine and again with
 * the new one after a restart (`attach`, called with each host started).
 */

/** The bindings' names in the page. */
const INVOKE = '__jobtrayIpcInvoke';
const DELIVER = '__jobtrayIpcDeliver';

export interface IpcPage {
  /** Every channel the page invoked, in order. */
  invoked: readonly string[];
  /** Registers the handlers against `host`; returns their removal (before that host stops). */
  attach(host: Host): () => void;
  /** What main's side logged (a refused sender, an internal error) and event deliveries that failed; taken. */
  takeProblems(): string[];
  /** Resolves once the events sent so far are delivered (or dropped). */
  settled(): Promise<void>;
}

export async function connectIpcPage(page: Page): Promise<IpcPage> {
  const standIns = makeIpcStandIns();
  const problems: string[] = [];
  const report = (...args: unknown[]) => {
    problems.push(args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(' '));
  };

  let pending: IpcEventMessage[] = [];
  let delivering = false;
  let sent = 0;
  let delivered = 0;
  const waiters = new Set<{ upTo: number; resolve: () => void }>();
  const deliver = async () => {
    delivering = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await page.evaluate(
          ([name, messages]) => (window as unknown as Record<string, (m: unknown[]) => void>)[name]?.(messages),
          [DELIVER, batch] as const,
        );
      } catch (error) {
        if (!page.isClosed() && !/context was destroyed|navigat/i.test(String(error)))
          report('delivering events to the page failed:', error);
      }
      delivered += batch.length;
      for (const waiter of waiters) {
        if (waiter.upTo > delivered) continue;
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
    delivering = false;
  };
  standIns.on(IPC_EVENT_CHANNEL, (message) => {
    pending.push(message);
    sent += 1;
    if (!delivering) void deliver();
  });

  await page.exposeBinding(INVOKE, ({ frame }, channel: string, payload: unknown) =>
    standIns.invokeAs({ url: frame.url() }, channel, payload),
  );
  await page.addInitScript(installTransport, {
    global: IPC_GLOBAL,
    invoke: INVOKE,
    deliver: DELIVER,
    eventChannel: IPC_EVENT_CHANNEL,
  });

  return {
    invoked: standIns.invoked,
    attach(host) {
      const registration = registerIpc(
        standIns.ipcMain,
        standIns.send,
        createOperations(host.engine, { testWebhook: sendTestWebhook }),
        {
          isAllowedSender: senderCheck(host.url),
          events: host.engine.events,
          // As main/electron/main.ts answers: the discovery file of the host's data dir.
          desktop: makeDesktopStandIn(() => {
            const discovery = readDiscovery(host.dataDir);
            return discovery ? { url: discovery.url, token: discovery.token } : null;
          }),
          logger: { warn: report, error: report },
        },
      );
      return () => registration.close();
    },
    takeProblems: () => problems.splice(0),
    settled: () =>
      delivered >= sent ? Promise.resolve() : new Promise((resolve) => waiters.add({ upTo: sent, resolve })),
  };
}

/** Runs in the page before its first module: `window.jobtray` over the bindings. */
function installTransport(names: { global: string; invoke: string; deliver: string; eventChannel: string }): void {
  const w = window as unknown as Record<string, unknown>;
  const listeners = new Set<(message: unknown) => void>();
  w[names.deliver] = (messages: unknown[]) => {
    for (const message of messages) for (const listener of [...listeners]) listener(message);
  };
  w[names.global] = {
    invoke: (channel: string, payload: unknown) =>
      (w[names.invoke] as (channel: string, payload: unknown) => Promise<unknown>)(channel, structuredClone(payload)),
    on: (channel: string, listener: (message: unknown) => void) => {
      if (channel !== names.eventChannel) return () => {};
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
