import type { ParamValues } from '../../contract/model.js';

/**
 * How a run's params reach the job: `{{name}}` placeholders in a command's
 * argv, JOBTRAY_PARAM_<NAME> environment variables. The values themselves are
 * checked by contract/params.ts (shared with the dashboard's run form).
 */
export { checkParamValue, resolveParams, showValue, type ParamCheck } from '../../contract/params.js';

/** `{{ name }}`: whitespace inside the braces is allowed. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of the `{{name}}` placeholders in one argv item, in order. */
export function placeholderNames(arg: string): string[] {
  return Array.from(arg.matchAll(PLACEHOLDER), (match) => match[1] ?? '');
}

/** Fills `{{name}}` placeholders; a placeholder whose param has no value becomes ''. */
export function renderArgv(argv: string[], params: ParamValues): string[] {
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER, (_whole, name: string) => {
      const value = Object.hasOwn(params, name) ? params[name] : undefined;
      return value === undefined ? '' : String(value);
    }),
  );
}

/** JOBTRAY_PARAM_<NAME> variables: the name upper-cased, anything outside [A-Z0-9_] turned into `_`. */
export function paramEnv(params: ParamValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    env[`JOBTRAY_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = String(value);
  }
  return env;
}
