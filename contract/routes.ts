import { OPERATIONS, type OperationName, type OperationRequest } from './api.js';

/**
 * The path of an operation with its parameters filled in:
 * `pathFor('runs:get', {id: 7})` → `/api/runs/7`. Used by every client of the
 * Local API (CLI, browser dashboard), so no path is written by hand anywhere.
 */
export function pathFor(name: OperationName, params: Record<string, string | number>): string {
  return OPERATIONS[name].path.replace(/:([a-z_]+)/g, (_all, key: string) => encodeURIComponent(String(params[key] ?? '')));
}

/** One HTTP request of an operation, as the server's router reads it back. */
export interface OperationHttpRequest {
  method: string;
  /** Path, with the query string for GET and DELETE. */
  url: string;
  /** JSON text for POST, PUT and PATCH. */
  body: string | null;
}

/**
 * An operation call as HTTP: path parameters go in the path, the other fields
 * in the query (GET, DELETE) or a JSON body; undefined fields are left out.
 */
export function operationRequest<K extends OperationName>(name: K, input: OperationRequest<K>): OperationHttpRequest {
  const { method, path: template } = OPERATIONS[name];
  const fields = input as Record<string, unknown>;
  const rest = Object.entries(fields).filter(([key, value]) => value !== undefined && !template.includes(`:${key}`));
  const hasBody = method !== 'GET' && method !== 'DELETE';
  const query = hasBody || rest.length === 0 ? '' : `?${new URLSearchParams(rest.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  return {
    method,
    url: `${pathFor(name, fields as Record<string, string | number>)}${query}`,
    body: hasBody ? JSON.stringify(Object.fromEntries(rest)) : null,
  };
}
