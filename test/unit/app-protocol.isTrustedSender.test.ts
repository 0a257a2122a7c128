import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  appFileFor,
  externalLinkTarget,
  isTrustedSender,
  senderCheck,
} from '../../main/desktop/app-protocol.js';
import { parseDesktopInput } from '../../main/desktop/ipc-handlers.js';

describe('IPC sender check', () => {
  it('accepts only frames of app://jobtray; a null frame (gone) is refused', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL })).toBe(true);
    expect(isTrustedSender({ url: 'app://jobtray/index.html#/runs/4' })).toBe(true);
    for (const url of [
      'app://evil/index.html',
      'https://jobtray/',
      'file:///index.html',
      'http://127.0.0.1:4770/',
      'about:blank',
      '',
      'app:jobtray',
    ]) {
      expect(isTrustedSender({ url }), url).toBe(false);
    }
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });

  it('is the same check for another origin (the e2e page on the Local API): scheme, host and port', () => {
    const fromHost = senderCheck('http://127.0.0.1:4770');
    expect(fromHost({ url: 'http://127.0.0.1:4770/#/jobs/chatty' })).toBe(true);
    for (const url of ['http://127.0.0.1:4771/', 'https://127.0.0.1:4770/', 'http://localhost:4770/', APP_ENTRY_URL]) {
      expect(fromHost({ url }), url).toBe(false);
    }
    expect(fromHost(null)).toBe(false);
  });
});

describe('IPC input checks of the desktop channels', () => {
  it('validates with schemas and names the bad field', () => {
    expect(parseDesktopInput('desktop:set-start-at-login', { enabled: true })).toEqual({ enabled: true });
    expect(() => parseDesktopInput('desktop:set-start-at-login', { enabled: 1 })).toThrow(
      /desktop:set-start-at-login: field "enabled"/,
    );
    expect(() => parseDesktopInput('bridge:local-api', { x: 1 })).toThrow(/unknown field\(s\) "x"/);
    expect(parseDesktopInput('bridge:read-artifact', { id: '12', name: 'a.csv' })).toEqual({ id: 12, name: 'a.csv' });
    expect(() => parseDesktopInput('bridge:read-artifact', { id: 0, name: '' })).toThrow(/field "id".*field "name"/);
  });
});

describe('app:// protocol and links', () => {
  const root = path.resolve('/app/dist/renderer');
  it('serves files inside the renderer folder only', () => {
    expect(appFileFor('app://jobtray/', root)).toBe(path.join(root, 'index.html'));
    expect(appFileFor('app://jobtray/assets/index-abc.js', root)).toBe(path.join(root, 'assets', 'index-abc.js'));
    // Dot segments, plain or encoded, never leave the root.
    for (const url of [
      'app://jobtray/../../etc/passwd',
      'app://jobtray/%2e%2e/%2e%2e/etc/passwd',
      'app://jobtray/a/..%2f..%2f..%2fetc/passwd',
      'app://jobtray/..%5c..%5cwin.ini',
    ]) {
      const file = appFileFor(url, root);
      expect(file === null || file.startsWith(root + path.sep), `${url} → ${file}`).toBe(true);
    }
    expect(appFileFor('app://jobtray/a%00b', root)).toBeNull();
    expect(appFileFor('app://jobtray/%E0%A4%A', root)).toBeNull();
    expect(appFileFor('app://other/index.html', root)).toBeNull();
  });

  it('http(s) links go to the browser; anything else is denied', () => {
    expect(externalLinkTarget('https://example.com/x')).toBe('browser');
    expect(externalLinkTarget('http://localhost:3000')).toBe('browser');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://jobtray/index.html',
      'smb://host/share',
      'junk',
    ])
      expect(externalLinkTarget(url), url).toBe('deny');
  });
});
