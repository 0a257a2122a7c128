import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RunIdSchema, describeZodIssues, type OperationName } from '../../contract/api.js';
import type { LocalApiInfo } from '../../contract/bridge.js';
import { JobtrayError } from '../../contract/errors.js';
import { STATE_EVENT_NAMES } from '../../contract/events.js';
import type { EngineEvents } from '../engine/events.js';
import {
  IPC_EVENT_CHANNEL,
  IPC_DESKTOP_CHANNELS,
  type IpcChannel,
  type IpcDesktopChannel,
  type IpcDesktopChannels,
  type IpcEventMessage,
  type IpcReply,
} from '../../contract/ipc.js';
import { OPERATION_ROUTES } from '../../contract/routes.js';
import { invokeOperation, type OperationHandlers } from '../engine/operations.js';
import type { Logger } from '../engine/logger.js';

/**
 * The main-process end of the IPC bridge (contract/ipc.ts), written against
 * small stand-ins of `ipcMain` and `webContents.send` so it runs in plain
 * Node: the desktop app passes Electron's, tests and the e2e suite their own.
 *
 * Invariants:
 * - one `handle` per contract operation and per desktop channel, nothing else;
 * - every invoke is refused unless `isAllowedSender` accepts its `senderFrame`
 *   (which may be null);
 * - every payload is validated with the contract's schemas before it reaches
 *   the engine (the operations' own, or the desktop channels' below);
 * - every answer is an IpcReply: errors cross as `{code, message}`; an
 *   unexpected error is logged here and crosses as `internal` without details.
 */

/** What registerIpc needs of Electron's `ipcMain`. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, payload: unknown) => Promise<IpcReply>): void;
  removeHandler(channel: string): void;
}

/** What registerIpc reads of an invoke event: the frame that sent it (Electron's `event.senderFrame`, null once it is gone). */
export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null;
}

/** Sends to the window (Electron's `webContents.send`); a missing window drops the message. */
export type WebContentsSendLike = (channel: typeof IPC_EVENT_CHANNEL, message: IpcEventMessage) => void;

export interface DesktopServices {
  getStartAtLogin(): boolean | Promise<boolean>;
  setStartAtLogin(enabled: boolean): void | Promise<void>;
  localApi(): LocalApiInfo | null;
}

export interface RegisterIpcOptions {
  isAllowedSender(frame: { url: string } | null): boolean;
  /**
   * The engine's events, forwarded to the window (engine.events): every one
   * but `run:log`, which only while the window follows a log
   * (`bridge:follow-logs`).
   */
  events: Pick<EngineEvents, 'on' | 'onEach'>;
  desktop: DesktopServices;
  logger: Pick<Logger, 'error' | 'warn'>;
}

export interface IpcRegistration {
  /** Removes every handler and stops forwarding events. */
  close(): void;
}

const NO_INPUT = z.strictObject({});
/** The desktop channels' input schemas. */
const DESKTOP_INPUTS: { [C in IpcDesktopChannel]: z.ZodType<IpcDesktopChannels[C]['input']> } = {
  'bridge:read-artifact': z.strictObject({ id: RunIdSchema, name: z.string().min(1).max(128) }),
  'bridge:local-api': NO_INPUT,
  'desktop:get-start-at-login': NO_INPUT,
  'desktop:set-start-at-login': z.strictObject({ enabled: z.boolean() }),
  'bridge:follow-logs': z.strictObject({ follow: z.boolean() }),
};

/** Validates a desktop channel's payload; a failure is `invalid_input` naming every bad field. */
export function parseDesktopInput<C extends IpcDesktopChannel>(
  channel: C,
  payload: unknown,
): IpcDesktopChannels[C]['input'] {
  const parsed = DESKTOP_INPUTS[channel].safeParse(payload ?? {});
  if (parsed.success) return parsed.data;
  throw new JobtrayError('invalid_input', `${channel}: ${describeZodIssues(parsed.error.issues)}`);
}

export function registerIpc(
  ipcMain: IpcMainLike,
  send: WebContentsSendLike,
  operations: OperationHandlers,
  options: RegisterIpcOptions,
): IpcRegistration {
  const desktop: {
    [C in IpcDesktopChannel]: (input: IpcDesktopChannels[C]['input']) => Promise<IpcDesktopChannels[C]['result']>;
  } = {
    'bridge:read-artifact': async ({ id, name }) => {
      const { record, file } = await invokeOperation(operations, 'runs:artifact', { id, name }, 'ui');
      return { bytes: new Uint8Array(await readFile(file)), media_type: record.media_type };
    },
    'bridge:local-api': async () => options.desktop.localApi(),
    'desktop:get-start-at-login': async () => options.desktop.getStartAtLogin(),
    'desktop:set-start-at-login': async ({ enabled }) => {
      await options.desktop.setStartAtLogin(enabled);
      return null;
    },
    'bridge:follow-logs': async ({ follow }) => {
      if (!follow) stopFollowingLogs();
      else followingLogs ??= options.events.on('run:log', (data) => send(IPC_EVENT_CHANNEL, { name: 'run:log', data }));
      return null;
    },
  };
  let followingLogs: (() => void) | null = null;
  const stopFollowingLogs = () => {
    followingLogs?.();
    followingLogs = null;
  };

  const channels: IpcChannel[] = [];
  const handle = (channel: IpcChannel, run: (payload: unknown) => Promise<unknown>) => {
    channels.push(channel);
    ipcMain.handle(channel, async (event, payload) => {
      if (!options.isAllowedSender(event.senderFrame ?? null)) {
        options.logger.warn(
          `IPC ${channel} refused: sent by ${event.senderFrame ? `a frame at ${event.senderFrame.url}` : 'a frame that is gone'}`,
        );
        return failure(new JobtrayError('forbidden', `${channel}: refused, the sender is not the Jobtray window`));
      }
      try {
        return { ok: true, value: await run(payload) };
      } catch (error) {
        const reply = failure(error);
        if (reply.error.code === 'internal') options.logger.error(`IPC ${channel} failed`, error);
        return reply;
      }
    });
  };

  for (const name of Object.keys(OPERATION_ROUTES) as OperationName[]) {
    handle(name, (payload) => invokeOperation(operations, name, payload, 'ui'));
  }
  for (const channel of IPC_DESKTOP_CHANNELS) {
    handle(channel, (payload) =>
      (desktop[channel] as (input: unknown) => Promise<unknown>)(parseDesktopInput(channel, payload)),
    );
  }

  const stopStates = options.events.onEach(STATE_EVENT_NAMES, (name, data) => send(IPC_EVENT_CHANNEL, { name, data }));
  return {
    close() {
      stopStates();
      stopFollowingLogs();
      for (const channel of channels.splice(0)) ipcMain.removeHandler(channel);
    },
  };
}

/**
 * An error as it crosses: the contract's code and message (with the details of
 * `invalid_params`, which a form shows per field, as over HTTP); anything
 * unexpected stays in main's log.
 */
function failure(thrown: unknown): Extract<IpcReply, { ok: false }> {
  if (thrown instanceof JobtrayError && thrown.code !== 'internal') {
    const details = thrown.code === 'invalid_params' && thrown.details !== undefined ? { details: thrown.details } : {};
    return { ok: false, error: { code: thrown.code, message: thrown.message, ...details } };
  }
  return { ok: false, error: { code: 'internal', message: 'internal error; the details are in the Jobtray log' } };
}
