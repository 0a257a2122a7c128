import { UsageError } from './errors.js';

/** Parsers of command-line arguments shared by several commands. */

/** A repeatable option (`--param k=v` given several times). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `["days=3", "mode=full"]` → `{days: "3", mode: "full"}`; values stay strings
 * (the engine coerces params to their type). `option` and `example` name the
 * option in messages (`--env`, `LOG_LEVEL=INFO`).
 */
export function parseParamArgs(args: string[], option = '--param', example = 'days_back=3'): Record<string, string> {
  const params: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq === -1 ? '' : arg.slice(0, eq).trim();
    if (key === '')
      throw new UsageError(`${option} ${JSON.stringify(arg)} is not name=value (e.g. ${option} ${example})`);
    if (key in params) throw new UsageError(`${option} ${key} is given twice`);
    params[key] = arg.slice(eq + 1);
  }
  return params;
}
