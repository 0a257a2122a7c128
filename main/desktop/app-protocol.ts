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

/** True for a URL of the app's own origin (custom schemes have an opaque `origin`, so scheme and host are compared). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/**
 * The IPC sender check: only a frame showing the app's own origin may invoke.
 * `senderFrame` is null when the frame navigated away or was destroyed before
 * the message was handled: refused, since its origin cannot be known.
 */
export function isTrustedSender(frame: { url: string } | null | undefined): boolean {
  return frame != null && isAppUrl(frame.url);
}

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
