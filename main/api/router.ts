import type { IncomingMessage } from 'node:http';
import { ACCEPTED_OPERATIONS, OPERATIONS, type OperationName } from '../../contract/api.js';
import { JobtrayError } from '../../contract/errors.js';
import { HttpProblem } from './respond.js';
import { readJsonObject } from './body.js';

/**
 * HTTP routing derived from the contract's OPERATIONS table: each operation's
 * `method` and `path` (with `:param` segments) is its route, so no path is
 * written twice.
 */

interface Route {
  name: OperationName;
  method: string;
  /** Literal segments, and `:name` for a path parameter. */
  segments: readonly string[];
}

export type RouteMatch =
  | { kind: 'operation'; name: OperationName; params: Record<string, string> }
  | { kind: 'wrong_method'; allow: string[] }
  | { kind: 'none' };

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Operations whose body may also be sent bare, without the field that wraps it (`{"settings": {...}}` or `{...}`). */
const WRAPPED_BODY: Partial<Record<OperationName, string>> = {
  'settings:update': 'settings',
  'jobs:set-schedule': 'schedule',
};

const ROUTES: readonly Route[] = (Object.keys(OPERATIONS) as OperationName[]).map((name) => ({
  name,
  method: OPERATIONS[name].method,
  segments: splitPath(OPERATIONS[name].path),
}));

/** A path's raw (still percent-encoded) segments: `/api/jobs/a%2Fb` → `['api', 'jobs', 'a%2Fb']`. */
export function splitPath(rawPath: string): string[] {
  return rawPath.split('/').slice(1);
}

/** Finds the operation of a request; a known path with another method tells which methods it has. */
export function matchRoute(method: string, segments: readonly string[]): RouteMatch {
  const allow: string[] = [];
  for (const route of ROUTES) {
    const params = matchSegments(route.segments, segments);
    if (!params) continue;
    if (route.method === method) return { kind: 'operation', name: route.name, params: decodeParams(params) };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'wrong_method', allow } : { kind: 'none' };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') return null;
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([key, segment]) => [key, decodeSegment(segment)]));
}

/** Percent-decodes one path segment; malformed encoding is the client's error. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new JobtrayError(
      'invalid_input',
      `the path segment "${segment.slice(0, 100)}" is not valid percent-encoding`,
    );
  }
}

/** HTTP status of a successful answer. */
export function successStatus(name: OperationName): number {
  return ACCEPTED_OPERATIONS.includes(name) ? 202 : 200;
}

/**
 * Query string → fields. Every value is a string (the contract's schemas
 * coerce numbers); a key given twice is ambiguous and refused.
 */
export function parseQuery(search: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(search)) {
    if (fields.has(key))
      throw new JobtrayError('invalid_input', `query parameter "${key.slice(0, 100)}" is given more than once`);
    fields.set(key, value);
  }
  // fromEntries defines own properties: `?__proto__=x` stays a field (and is refused as unknown), never a prototype.
  return Object.fromEntries(fields);
}

/**
 * One operation's input: path parameters + the query string (GET/DELETE) or
 * the JSON body (POST/PUT/PATCH), merged into the object its contract schema
 * validates. A field may come from one place only.
 */
export async function operationInput(
  req: IncomingMessage,
  match: { name: OperationName; params: Record<string, string> },
  search: string,
  maxBodyBytes: number,
): Promise<Record<string, unknown>> {
  const { name, params } = match;
  const method = OPERATIONS[name].method;
  let fields: Record<string, unknown>;
  if (BODY_METHODS.has(method)) {
    if (search.length > 0)
      throw new JobtrayError(
        'invalid_input',
        `${method} ${OPERATIONS[name].path} takes its input as a JSON body, not as query parameters`,
      );
    fields = unwrapBody(name, await readJsonObject(req, maxBodyBytes));
  } else {
    fields = parseQuery(search);
  }
  for (const key of Object.keys(params)) {
    if (Object.hasOwn(fields, key))
      throw new JobtrayError(
        'invalid_input',
        `field "${key}" comes from the path ${OPERATIONS[name].path}; do not send it again`,
      );
  }
  return { ...fields, ...params, ...headerFields(req, name, fields) };
}

function unwrapBody(name: OperationName, body: Record<string, unknown>): Record<string, unknown> {
  const key = WRAPPED_BODY[name];
  return key === undefined || Object.hasOwn(body, key) ? body : { [key]: body };
}

/** `jobs:trigger` takes its idempotency key from the standard `Idempotency-Key` header. */
function headerFields(
  req: IncomingMessage,
  name: OperationName,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const key = req.headers['idempotency-key'];
  if (name !== 'jobs:trigger' || key === undefined) return {};
  if (Object.hasOwn(fields, 'idempotency_key')) {
    throw new JobtrayError(
      'invalid_input',
      'the idempotency key is given twice (Idempotency-Key header and "idempotency_key" field); send it once',
    );
  }
  return { idempotency_key: key };
}

/** The 405 answer for a known path asked with a method it does not have. */
export function wrongMethod(method: string, allow: readonly string[]): HttpProblem {
  return new HttpProblem(405, 'method_not_allowed', `${method} is not allowed here; allowed: ${allow.join(', ')}`, {
    Allow: allow.join(', '),
  });
}
