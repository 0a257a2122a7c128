import type { OperationRequest } from './api.js';

/**
 * The Local API's HTTP shape, free of any schema library so the browser
 * dashboard can import it without the validators: each operation's method and
 * path (`:name` segments are path parameters), the event stream and the
 * headers clients set. contract/api.ts pairs each route with its input schema.
 */
export const OPERATION_ROUTES = {
  'health:get': { method: 'GET', path: '/api/health' },
  'jobs:list': { method: 'GET', path: '/api/jobs' },
  'jobs:get': { method: 'GET', path: '/api/jobs/:id' },
  'jobs:trigger': { method: 'POST', path: '/api/jobs/:id/runs' },
  'jobs:set-schedule': { method: 'PUT', path: '/api/jobs/:id/schedule' },
  'jobs:reset-schedule': { method: 'DELETE', path: '/api/jobs/:id/schedule' },
  /** The next fire times a schedule would give the job (an editor's live preview); a schedule the engine refuses is a result, not an error. */
  'jobs:preview-schedule': { method: 'POST', path: '/api/jobs/:id/schedule/preview' },
  /** Every job's newest runs with an outcome, oldest first: the cards' sparklines, in one call. */
  'jobs:sparklines': { method: 'GET', path: '/api/sparklines' },
  'jobs:enable': { method: 'POST', path: '/api/jobs/:id/enable' },
  'jobs:disable': { method: 'POST', path: '/api/jobs/:id/disable' },
  'engine:pause': { method: 'POST', path: '/api/pause' },
  'engine:resume': { method: 'POST', path: '/api/resume' },
  'config:reload': { method: 'POST', path: '/api/reload' },
  'config:get': { method: 'GET', path: '/api/config' },
  'runs:list': { method: 'GET', path: '/api/runs' },
  'runs:get': { method: 'GET', path: '/api/runs/:id' },
  /** The run's retry chain: every attempt sharing its root_run_id, oldest first (a run page's timeline). */
  'runs:chain': { method: 'GET', path: '/api/runs/:id/chain' },
  'runs:logs': { method: 'GET', path: '/api/runs/:id/logs' },
  'runs:artifacts': { method: 'GET', path: '/api/runs/:id/artifacts' },
  /** Over HTTP the answer is the artifact's content with its media type. */
  'runs:artifact': { method: 'GET', path: '/api/runs/:id/artifacts/:name' },
  'runs:cancel': { method: 'POST', path: '/api/runs/:id/cancel' },
  'runs:retry': { method: 'POST', path: '/api/runs/:id/retry' },
  'settings:get': { method: 'GET', path: '/api/settings' },
  'settings:update': { method: 'PATCH', path: '/api/settings' },
  /** POSTs a test notification to `url` (default: the webhook_url setting) once, and says how it went. */
  'settings:test-webhook': { method: 'POST', path: '/api/settings/test-webhook' },
  'audit:list': { method: 'GET', path: '/api/audit' },
  'store:backup': { method: 'POST', path: '/api/backups' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }>;

/** Operations are named `domain:verb`. */
export type OperationName = keyof typeof OPERATION_ROUTES;

/** Request header a client sets to be audited as itself (`cli`, `ui`); anything else is audited as `api`. */
export const ACTOR_HEADER = 'x-jobtray-actor';

/** Server-Sent Events of every engine event (not an operation: a stream). */
export const EVENTS_PATH = '/api/events';
/** Prometheus metrics. */
export const METRICS_PATH = '/metrics';

/**
 * Sent instead of the missed events when a client resumes from an id older
 * than the server still holds: reload state, then keep listening.
 */
export const STREAM_RESET_EVENT = 'stream:reset';

/**
 * The path of an operation with its parameters filled in:
 * `pathFor('runs:get', {id: 7})` → `/api/runs/7`. Used by every client of the
 * Local API (CLI, browser dashboard), so no path is written by hand anywhere.
 */
export function pathFor(name: OperationName, params: Record<string, string | number>): string {
  return OPERATION_ROUTES[name].path.replace(/:([a-z_]+)/g, (_all, key: string) =>
    encodeURIComponent(String(params[key] ?? '')),
  );
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
  const { method, path: template } = OPERATION_ROUTES[name];
  const fields = input as Record<string, unknown>;
  const rest = Object.entries(fields).filter(([key, value]) => value !== undefined && !template.includes(`:${key}`));
  const hasBody = method !== 'GET' && method !== 'DELETE';
  const query =
    hasBody || rest.length === 0
      ? ''
      : `?${new URLSearchParams(rest.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  return {
    method,
    url: `${pathFor(name, fields as Record<string, string | number>)}${query}`,
    body: hasBody ? JSON.stringify(Object.fromEntries(rest)) : null,
  };
}
