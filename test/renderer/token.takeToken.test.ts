import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, takeToken, type TokenPlace } from '../../renderer/src/bridge/token.js';

function place(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored === null ? [] : [[TOKEN_KEY, stored]]);
  const replaced: string[] = [];
  const where: TokenPlace = {
    location: { hash, pathname: '/', search: '' },
    history: {
      replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)),
    },
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => void storage.set(key, value) },
  };
  return { where, storage, replaced };
}

describe('takeToken', () => {
  it('moves the token from the fragment into session storage and out of the address bar', () => {
    const p = place('#token=abc%2Bdef');
    expect(takeToken(p.where)).toBe('abc+def');
    expect(p.storage.get(TOKEN_KEY)).toBe('abc+def');
    expect(p.replaced).toEqual(['/#/']);
  });

  it('uses the stored token when the address has none (a reload, a route)', () => {
    const p = place('#/runs/4', 'stored');
    expect(takeToken(p.where)).toBe('stored');
    expect(p.replaced).toEqual([]);
  });

  it('has no token when neither has one', () => {
    expect(takeToken(place('').where)).toBeNull();
  });
});
