import { OPERATIONS, type OperationName } from './api.js';

/**
 * The path of an operation with its parameters filled in:
 * `pathFor('runs:get', {id: 7})` → `/api/runs/7`. Used by every client of the
 * Local API (CLI, browser dashboard), so no path is written by hand anywhere.
 */
export function pathFor(name: OperationName, params: Record<string, string | number>): string {
  return OPERATIONS[name].path.replace(/:([a-z_]+)/g, (_all, key: string) => encodeURIComponent(String(params[key] ?? '')));
}
