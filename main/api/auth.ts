import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { JobtrayError } from '../../contract/errors.js';

/** Names a browser uses for this machine. Any other Host is a DNS-rebinding page (or a misdirected request). */
const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopbackAddress(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Refuses a request whose Host header is not this machine's loopback name
 * (optionally with the server's own port): a page on `evil.example` that
 * rebinds its name to 127.0.0.1 still sends `Host: evil.example`.
 */
export function assertLoopbackHost(req: IncomingMessage, serverHost: string, port: number): void {
  const header = req.headers.host;
  const match = header === undefined ? null : /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header);
  const hostname = match?.[1]?.toLowerCase();
  const allowed = hostname !== undefined && (LOOPBACK_HOSTNAMES.has(hostname) || hostname === bracketed(serverHost));
  if (!allowed || (match?.[2] !== undefined && Number(match[2]) !== port)) {
    throw new JobtrayError(
      'forbidden',
      `the Host header ${JSON.stringify(header ?? null)} is not a loopback address of this server; use http://127.0.0.1:${port}`,
    );
  }
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host.toLowerCase()}]` : host.toLowerCase();
}

/**
 * Checks `Authorization: Bearer <token>` in constant time. Both sides are
 * hashed first so `timingSafeEqual` compares equal lengths whatever was sent.
 */
export function assertBearerToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization;
  const sent = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (!sent) {
    throw new JobtrayError(
      'unauthorized',
      'this endpoint needs "Authorization: Bearer <token>"; the token is in the discovery file api.json in the Jobtray data directory',
    );
  }
  if (!timingSafeEqual(digest(sent), digest(token))) {
    throw new JobtrayError(
      'unauthorized',
      'the bearer token is wrong; read the current one from api.json in the Jobtray data directory',
    );
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
