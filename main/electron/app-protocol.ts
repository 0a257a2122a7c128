import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { APP_CSP, APP_SCHEME, appFileFor } from '../desktop/app-protocol.js';

/** Before `ready`: `app://` is a standard, secure origin (fetch, relative URLs and storage work as on https). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * Serves the built dashboard at `app://jobtray/`, every answer with the strict
 * CSP; a path outside the renderer folder is a 404 (appFileFor).
 */
export function setupAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (file === null) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', APP_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}
