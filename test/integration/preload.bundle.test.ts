import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcEventMessage, IpcTransport } from '../../contract/ipc.js';

/**
 * The preload as Electron loads it: the bundle Vite makes (one CommonJS file),
 * run in a plain Node context whose `require` knows only `electron` — as in a
 * sandboxed preload — with stand-ins of contextBridge and ipcRenderer.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let outDir: string;
let code: string;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-preload-'));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'main/electron/preload.vite.config.ts',
      '--outDir',
      outDir,
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      timeout: 120_000,
    },
  );
  code = fs.readFileSync(path.join(outDir, 'preload.cjs'), 'utf8');
}, 150_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(event: unknown, message: IpcEventMessage) => void>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => exposed.set(name, api) },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return Promise.resolve({ ok: true, value: `answer of ${channel}` });
      },
      on: (channel: string, listener: (event: unknown, message: IpcEventMessage) => void) => {
        listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
      },
      removeListener: (channel: string, listener: (event: unknown, message: IpcEventMessage) => void) =>
        listeners.get(channel)?.delete(listener),
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require "${name}"`);
    return electron;
  };
  const module = { exports: {} };
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, Promise });
  return { exposed, invoked, listeners, required };
}

describe('preload bundle', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    expect([...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(loadPreload().required).toEqual(['electron']);
  });

  it('exposes window.jobtray: invoke limited to the contract channels, and the event channel without the Electron event', async () => {
    const { exposed, invoked, listeners } = loadPreload();
    expect([...exposed.keys()]).toEqual(['jobtray']);
    const transport = exposed.get('jobtray') as IpcTransport;
    expect(await transport.invoke('jobs:list', { a: 1 })).toEqual({ ok: true, value: 'answer of jobs:list' });
    expect(await transport.invoke('desktop:set-start-at-login', { enabled: true })).toMatchObject({ ok: true });
    expect(await transport.invoke('evil:channel' as 'jobs:list', {})).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: '"evil:channel" is not a Jobtray channel' },
    });
    expect(invoked.map(([channel]) => channel)).toEqual(['jobs:list', 'desktop:set-start-at-login']);

    const received: IpcEventMessage[] = [];
    const off = transport.on('bridge:event', (message) => received.push(message));
    expect(transport.on('other' as 'bridge:event', () => {})).toBeTypeOf('function');
    expect([...listeners.keys()]).toEqual(['bridge:event']);
    for (const listener of listeners.get('bridge:event')!)
      listener({ sender: 'ipc event' }, { name: 'engine:paused', data: { paused: true } });
    expect(received).toEqual([{ name: 'engine:paused', data: { paused: true } }]);
    off();
    expect(listeners.get('bridge:event')!.size).toBe(0);
  });
});
