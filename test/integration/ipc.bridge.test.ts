import { reactive } from 'vue';
import { describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../contract/bridge.js';
import { BridgeError } from '../../contract/bridge.js';
import { IPC_CHANNELS } from '../../contract/ipc.js';
import { makeBridge } from '../../contract/ipc-bridge.js';
import type { RunRecord } from '../../contract/model.js';
import { APP_ENTRY_URL, isTrustedSender } from '../../main/desktop/app-protocol.js';
import { registerIpc } from '../../main/desktop/ipc-handlers.js';
import { createOperations } from '../../main/engine/operations.js';
import { eventually, makeTestEngine } from '../helpers/engine.js';
import { makeDesktopStandIn, makeIpcStandIns } from '../helpers/ipc.js';

/**
 * The desktop bridge end to end without a browser: makeBridge (the window's
 * side) wired to registerIpc (main's side) through stand-ins of ipcMain and
 * webContents.send that structured-clone every message as Electron does,
 * against a real engine running real workers.
 */

const JOBS = `
jobs:
  - id: hello
    script: jobs/hello.mjs
    params:
      name: { type: string, default: world }
      times: { type: integer, default: 1, min: 1, max: 5 }
  - id: fails
    command: [sh, -c, 'echo boom >&2; exit 3']
`;
const FILES = {
  'jobs/hello.mjs': `export default async (ctx) => {
    ctx.log.info('hello ' + ctx.params.name);
    await ctx.artifact('greeting.txt', { data: 'hello ' + ctx.params.name + ' x' + ctx.params.times });
    return { greeted: ctx.params.name };
  };`,
};

const APP_FRAME = { url: `${APP_ENTRY_URL}#/jobs` };

async function setUp() {
  const { engine } = await makeTestEngine({ jobs: JOBS, files: FILES });
  const pair = makeIpcStandIns();
  const desktop = makeDesktopStandIn(() => ({ url: 'http://127.0.0.1:4770', token: 't'.repeat(43) }));
  const warnings: string[] = [];
  const registration = registerIpc(pair.ipcMain, pair.send, createOperations(engine), {
    isAllowedSender: isTrustedSender,
    events: engine.events,
    desktop,
    logger: { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) },
  });
  const bridge = makeBridge((channel, payload) => pair.invokeAs(APP_FRAME, channel, payload), pair.on);
  const close = async () => {
    bridge.close();
    registration.close();
    await engine.close();
  };
  return { engine, pair, registration, bridge, warnings, startAtLogin: desktop.startAtLogin, close };
}

/** Resolves with the first run:state event of the bridge for `runId` in a final state. */
function finalState(bridge: ReturnType<typeof makeBridge>, runId: number): Promise<RunRecord> {
  return new Promise((resolve) => {
    const off = bridge.subscribe(['run:state'], (event: BridgeEvent<'run:state'>) => {
      if (event.data.id === runId && ['succeeded', 'failed'].includes(event.data.state)) {
        off();
        resolve(event.data);
      }
    });
  });
}

describe('makeBridge ↔ registerIpc', () => {
  it('registers one handler per contract operation and desktop channel, and calls reach the engine', async () => {
    const t = await setUp();
    expect([...t.pair.handlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
    expect(t.bridge.kind).toBe('ipc');
    expect(t.bridge.connection).toBe('connected');
    const { jobs } = await t.bridge.call('jobs:list', {});
    expect(jobs.map((job) => job.id)).toEqual(['fails', 'hello']);
    expect(await t.bridge.call('jobs:get', { id: 'hello' })).toMatchObject({ id: 'hello', health: 'ok' });
    t.registration.close();
    expect(t.pair.handlers.size).toBe(0);
    await t.close();
  });

  it('unwraps Vue reactive proxies before sending; the run and its events arrive over the bridge', async () => {
    const t = await setUp();
    const input = reactive({
      id: 'hello',
      params: { name: 'ops', times: 2 },
      idempotency_key: undefined as string | undefined,
    });
    // The reason for the unwrapping: a proxy cannot cross Electron's structured clone.
    expect(() => structuredClone(input)).toThrow();
    const events: string[] = [];
    t.bridge.subscribe('*', (event) => events.push(event.name));
    const { run_id, run } = await t.bridge.call('jobs:trigger', input);
    expect(run).toMatchObject({ job_id: 'hello', requested_by: 'ui', params: { name: 'ops', times: 2 } });
    const done = await finalState(t.bridge, run_id);
    expect(done).toMatchObject({ state: 'succeeded', result: { greeted: 'ops' } });
    expect(events).toEqual(expect.arrayContaining(['run:state', 'job:state', 'run:log']));

    const blob = await t.bridge.readArtifact(run_id, 'greeting.txt');
    expect(await blob.text()).toBe('hello ops x2');
    expect(blob.type).toMatch(/^text\/plain/);
    await t.close();
  });

  it('main forwards run:log only while a handler of the window wants it', async () => {
    const t = await setUp();
    expect(t.engine.events.has('run:log')).toBe(false);
    const states = t.bridge.subscribe(['run:state', 'job:state'], () => {});
    expect(t.engine.events.has('run:log')).toBe(false);

    const lines: string[] = [];
    const first = t.bridge.subscribe(['run:log'], (event: BridgeEvent<'run:log'>) =>
      lines.push(...event.data.lines.map((l) => l.message)),
    );
    const second = t.bridge.subscribe(['run:log'], () => {});
    await eventually(() => t.engine.events.has('run:log'), 'main to follow run:log');
    const { run_id } = await t.bridge.call('jobs:trigger', { id: 'hello', params: { name: 'logs' } });
    await finalState(t.bridge, run_id);
    await eventually(() => lines.includes('hello logs'), 'the run:log line over the bridge');

    // One follower left: still followed; none: main stops, and the engine has no run:log listener.
    first();
    expect(t.engine.events.has('run:log')).toBe(true);
    second();
    second();
    await eventually(() => !t.engine.events.has('run:log'), 'main to stop following run:log');
    const later = await t.bridge.call('jobs:trigger', { id: 'hello', params: { name: 'unread' } });
    await finalState(t.bridge, later.run_id);
    expect(lines).not.toContain('hello unread');
    // Its lines are stored all the same: a log opened later reads them as pages.
    const page = await t.bridge.call('runs:logs', { id: later.run_id });
    expect(page.lines.map((l) => l.message)).toContain('hello unread');
    states();
    await t.close();
  });

  it('errors cross as BridgeError {code, message}; invalid payloads are refused with the contract schema messages', async () => {
    const t = await setUp();
    const notFound = await t.bridge.call('jobs:get', { id: 'nope' }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(BridgeError);
    expect(notFound).toMatchObject({ code: 'not_found', message: expect.stringContaining('nope') });

    const badId = await t.bridge.call('jobs:get', { id: 'Not An Id' }).catch((error: unknown) => error);
    expect(badId).toMatchObject({
      code: 'invalid_input',
      message: 'jobs:get: field "id": a job id: lowercase letters, digits and "-", at most 64 characters',
    });

    const badParams = await t.bridge
      .call('jobs:trigger', { id: 'hello', params: { times: 9 } })
      .catch((error: unknown) => error);
    expect(badParams).toMatchObject({ code: 'invalid_params', details: expect.anything() });

    // A payload a typed caller cannot send, straight at the handler.
    expect(await t.pair.invokeAs(APP_FRAME, 'desktop:set-start-at-login', { enabled: 'yes' })).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('desktop:set-start-at-login: field "enabled"') },
    });
    expect(await t.pair.invokeAs(APP_FRAME, 'engine:pause', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: 'engine:pause: input: unknown field(s) "extra"' },
    });
    expect(t.engine.isPaused()).toBe(false);
    await t.close();
  });

  it('refuses a foreign frame and a gone (null) sender frame before anything runs', async () => {
    const t = await setUp();
    for (const frame of [
      { url: 'https://evil.example/' },
      { url: 'file:///tmp/page.html' },
      { url: 'app://other/index.html' },
      null,
    ]) {
      const reply = await t.pair.invokeAs(frame, 'engine:pause', {});
      expect(reply).toEqual({
        ok: false,
        error: { code: 'forbidden', message: 'engine:pause: refused, the sender is not the Jobtray window' },
      });
    }
    expect(t.engine.isPaused()).toBe(false);
    expect(t.warnings).toHaveLength(4);
    expect(t.warnings[3]).toContain('a frame that is gone');
    expect(await t.bridge.call('engine:pause', {})).toEqual({ paused: true });
    expect(t.engine.isPaused()).toBe(true);
    await t.close();
  });

  it('desktop channels: start at login and the Local API info; close() stops events and later calls fail', async () => {
    const t = await setUp();
    expect(await t.bridge.desktop!.getStartAtLogin()).toBe(false);
    await t.bridge.desktop!.setStartAtLogin(true);
    expect(t.startAtLogin()).toBe(true);
    expect(await t.bridge.localApi()).toEqual({ url: 'http://127.0.0.1:4770', token: 't'.repeat(43) });

    t.bridge.close();
    expect(t.pair.listeners.size).toBe(0);
    await expect(t.bridge.call('jobs:list', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'the bridge is closed',
    });
    await t.close();
  });
});
