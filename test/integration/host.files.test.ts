import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../main/host/data-dir.js';
import { discoveryPath, readDiscovery, removeDiscovery, writeDiscovery } from '../../main/host/discovery.js';
import { acquireLock, LOCK_FILE } from '../../main/host/lock.js';
import { loadOrCreateToken, TOKEN_FILE } from '../../main/host/token.js';
import { makeDataDir } from '../helpers/engine.js';

describe('host files', () => {
  it('creates the API token once, owner-only, and tightens loosened permissions', () => {
    const dir = makeDataDir();
    const token = loadOrCreateToken(dir);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(dir, TOKEN_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(dir)).toBe(token);
    fs.chmodSync(file, 0o644);
    expect(loadOrCreateToken(dir)).toBe(token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('locks a data dir against a second owner, in this process or another live one, and takes over a stale lock', async () => {
    const dir = makeDataDir();
    const lock = acquireLock(dir);
    expect(() => acquireLock(dir)).toThrow(/already running on .* \(pid \d+/);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);

    // a live other process holds it
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid }));
    expect(() => acquireLock(dir, () => 'Local API at http://127.0.0.1:1')).toThrow(
      `pid ${other.pid}, Local API at http://127.0.0.1:1`,
    );
    const exited = new Promise((r) => other.once('exit', r));
    other.kill('SIGKILL');
    await exited;
    // now stale
    const taken = acquireLock(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    taken.release();
  });

  it('writes the discovery file owner-only and removes only its own', () => {
    const dir = makeDataDir();
    writeDiscovery(dir, { url: 'http://127.0.0.1:5', token: 't', pid: process.pid, version: '1', started_at: 1 });
    expect(fs.statSync(discoveryPath(dir)).mode & 0o777).toBe(0o600);
    expect(readDiscovery(dir)?.url).toBe('http://127.0.0.1:5');
    writeDiscovery(dir, { url: 'http://127.0.0.1:6', token: 't', pid: 1, version: '1', started_at: 1 });
    removeDiscovery(dir);
    expect(readDiscovery(dir)?.url).toBe('http://127.0.0.1:6');
  });

  it('picks the data dir from JOBTRAY_DATA_DIR or the OS convention', () => {
    expect(defaultDataDir({ JOBTRAY_DATA_DIR: '/srv/jt' }, 'linux', '/home/a')).toBe('/srv/jt');
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.local/share/jobtray');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/jobtray');
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/Jobtray');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toContain('Jobtray');
  });
});
