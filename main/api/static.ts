import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JobtrayError } from '../../contract/errors.js';
import { COMMON_HEADERS } from './respond.js';
import { decodeSegment } from './router.js';

/** The dashboard may load only its own files and talk only to this server. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const STATIC_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  'Content-Security-Policy': DASHBOARD_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // The built files change with the app: always revalidated (ETag), so an unchanged file is a 304
  // and the browser keeps its copy, and the compiled code it caches with it.
  'Cache-Control': 'no-cache',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built dashboard (index.html + assets). Files are served only from inside
 * `root` (dot segments are refused, the resolved real path is checked against
 * the root's), directories are never listed, and a path that names no file
 * falls back to index.html so the single-page app's own routes load.
 */
export class StaticFiles {
  private constructor(private readonly root: string) {}

  /** null when the folder has no index.html (the dashboard was not built): `/` is then a 404. */
  static open(dir: string | null | undefined): StaticFiles | null {
    if (!dir) return null;
    try {
      const root = fs.realpathSync(dir);
      return fs.statSync(path.join(root, 'index.html')).isFile() ? new StaticFiles(root) : null;
    } catch {
      return null;
    }
  }

  async serve(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    const file = (await this.resolveFile(rawPath)) ?? (await this.resolveFile('/index.html'));
    if (!file) throw new JobtrayError('not_found', 'the dashboard is not built: its index.html is missing');
    const handle = await fs.promises.open(file, 'r');
    try {
      const { size, mtimeMs } = await handle.stat();
      const etag = `"${size.toString(36)}-${Math.floor(mtimeMs).toString(36)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ...STATIC_HEADERS, ETag: etag });
        res.end();
        return;
      }
      res.writeHead(200, {
        ...STATIC_HEADERS,
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(size),
        ETag: etag,
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await pipeline(handle.createReadStream({ autoClose: false }), res);
    } finally {
      await handle.close();
    }
  }

  /** The real path of the regular file `rawPath` names inside the root, or null. */
  private async resolveFile(rawPath: string): Promise<string | null> {
    const segments = rawPath.split('/').slice(1).map(decodeSegment);
    if (segments.some((s) => s === '.' || s === '..' || s.includes('\0') || s.includes('\\') || s.includes('/'))) {
      throw new JobtrayError('invalid_input', 'the path contains "..", "." or characters not allowed in a file name');
    }
    const wanted = segments.filter((s) => s.length > 0);
    const candidate = path.resolve(this.root, ...(wanted.length === 0 ? ['index.html'] : wanted));
    try {
      // Symlinks are followed, so the check is on the real path.
      const real = await fs.promises.realpath(candidate);
      if (!real.startsWith(this.root + path.sep)) return null;
      return (await fs.promises.stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }
}
