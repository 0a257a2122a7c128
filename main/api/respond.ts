import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody } from '../../contract/api.js';
import { JobtrayError, coerceError, type ErrorCode } from '../../contract/errors.js';
import type { Logger } from '../engine/logger.js';

/** HTTP status of each contract error code. */
const STATUS_OF: Record<ErrorCode, number> = {
  not_found: 404,
  invalid_input: 400,
  invalid_params: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  unavailable: 503,
  storage_full: 507,
  // A server-side fault that retrying will not fix; the code and message say what and how to recover.
  storage_corrupt: 500,
  internal: 500,
};

/**
 * A failure that only exists at the HTTP level (wrong method, wrong content
 * type): it has a status and headers of its own and no contract error code.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Sent on every response of the server (API, static, SSE, errors). */
export const COMMON_HEADERS: Readonly<Record<string, string>> = { 'X-Content-Type-Options': 'nosniff' };
/** API answers are live state: never cached by a browser or proxy. */
export const API_HEADERS: Readonly<Record<string, string>> = { ...COMMON_HEADERS, 'Cache-Control': 'no-store' };

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...API_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * Answers a failed request with `{"error": {"code", "message"}}`. Expected
 * failures (JobtrayError, HttpProblem) keep their message; anything else is a
 * 500 with a generic message, logged with the request it broke — stacks never
 * reach the client.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  thrown: unknown,
  logger: Logger | undefined,
): void {
  const { status, body, headers } = describeFailure(req, thrown, logger);
  if (res.headersSent) {
    // The answer already started (a streamed artifact): the only honest signal left is a cut connection.
    res.destroy();
    return;
  }
  // A client that is not allowed in does not keep its connection: it would hold a slot of the connection cap.
  if (status === 401 || status === 403) res.shouldKeepAlive = false;
  sendJson(res, status, body, headers);
}

function describeFailure(
  req: IncomingMessage,
  thrown: unknown,
  logger: Logger | undefined,
): { status: number; body: ApiErrorBody; headers: Record<string, string> } {
  if (thrown instanceof HttpProblem) {
    return {
      status: thrown.status,
      body: { error: { code: thrown.code, message: thrown.message } },
      headers: thrown.headers,
    };
  }
  if (thrown instanceof JobtrayError && thrown.code !== 'internal') {
    const status = STATUS_OF[thrown.code];
    // An expected failure of the server itself (a damaged database) is worth a line in the log too.
    if (status >= 500) logger?.error(`local API: ${req.method ?? '?'} ${describePath(req)}: ${thrown.message}`);
    const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
    // A form shows each param's problem next to its field (contract/params.ts InvalidParamsDetails).
    const details = thrown.code === 'invalid_params' && thrown.details !== undefined ? { details: thrown.details } : {};
    return { status, body: { error: { code: thrown.code, message: thrown.message, ...details } }, headers };
  }
  logger?.error(`local API: ${req.method ?? '?'} ${describePath(req)} failed`, coerceError(thrown));
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; the details are in the Jobtray log' } },
    headers: {},
  };
}

/** The request path without its query (which may carry values not meant for logs). */
function describePath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 300);
}
