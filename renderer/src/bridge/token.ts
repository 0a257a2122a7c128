/**
 * The dashboard's token. The host prints `http://127.0.0.1:PORT/#token=…`: the
 * fragment never reaches a server or its logs. The page moves the token into
 * sessionStorage (gone when the tab closes) and takes it out of the address bar
 * at once, so it is not in the history, a bookmark or a screenshot.
 */

export const TOKEN_KEY = 'jobtray.token';
const FRAGMENT = /^#token=([^&]+)$/;

export interface TokenPlace {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

/** The token from the fragment (stored, and removed from the address bar), else the stored one, else null. */
export function takeToken(place: TokenPlace): string | null {
  const match = FRAGMENT.exec(place.location.hash);
  if (match?.[1]) {
    let token: string;
    try {
      token = decodeURIComponent(match[1]);
    } catch {
      token = match[1];
    }
    place.storage.setItem(TOKEN_KEY, token);
    place.history.replaceState(null, '', `${place.location.pathname}${place.location.search}#/`);
    return token;
  }
  return place.storage.getItem(TOKEN_KEY);
}
