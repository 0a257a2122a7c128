import path from 'node:path';

/**
 * The window's own origin: the dashboard is loaded from `app://jobtray/`, a
 * privileged custom protocol, not `file://` (where every local file would be
 * same-origin). Pure: the URL checks of the protocol handler, the IPC sender
 * check and the navigation guard.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'jobtray';
/** The dashboard's entry; its router uses the fragment, so every screen is this URL. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The CSP of every page the protocol serves: own files only, no inline code, no network. */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` has the scheme and host (with its port) of `origin`, a URL.
 * Custom schemes have an opaque `origin`, so scheme and host are compared.
 */
function hasOriginOf(url: string, origin: string): boolean {
  const parsed = parse(url);
  const expected = parse(origin);
  return parsed !== null && expected !== null && parsed.protocol === expected.protocol && parsed.host === expected.host;
}

/** True for a URL of the app's own origin. */
export function isAppUrl(url: string): boolean {
  return hasOriginOf(url, APP_ENTRY_URL);
}

/**
 * The IPC sender check for a window whose pages come from `origin`: only a
 * frame showing that origin may invoke. `senderFrame` is null when the frame
 * navigated away or was destroyed before the message was handled: refused,
 * since its origin cannot be known. The app's is `isTrustedSender`; the e2e
 * suite's, whose page comes from the host's Local API, is the same check.
 */
export function senderCheck(origin: string): (frame: { url: string } | null | undefined) => boolean {
  return (frame) => frame != null && hasOriginOf(frame.url, origin);
}

/** The app's IPC sender check: frames of `app://jobtray` only. */
export const isTrustedSender = senderCheck(APP_ENTRY_URL);

/** A link the window must not open itself: http(s) goes to the browser, everything else nowhere. */
export function externalLinkTarget(url: string): 'browser' | 'deny' {
  const parsed = parse(url);
  return parsed !== null && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? 'browser' : 'deny';
}

/**
 * The file an `app://jobtray/<path>` request reads inside `root` (the built
 * renderer), or null: another host, a path escaping the root (`..`, encoded or
 * not), or a malformed URL. The root itself maps to index.html.
 */
export function appFileFor(url: string, root: string): string | null {
  const parsed = parse(url);
  if (parsed === null || !isAppUrl(url)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const file = path.resolve(root, `.${relative === '/' ? '/index.html' : relative}`);
  const inside = path.relative(path.resolve(root), file);
  return inside === '' || inside.startsWith('..') || path.isAbsolute(inside) ? null : file;
}
