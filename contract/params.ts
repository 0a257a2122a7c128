import { JobtrayError } from './errors.js';
import type { JobDefinition, ParamSpec, ParamValue, ParamValues } from './model.js';

/**
 * Job params checked against their specs: the engine (a run's values), the
 * jobs-file loader (defaults) and the dashboard's run form (as the operator
 * types) use these same rules, so a value the form accepts is one the engine
 * accepts. Pure and browser-safe.
 */

export type ParamCheck = { ok: true; value: ParamValue } | { ok: false; why: string };
/** One param of a run: its value, `undefined` when it is left out (optional, no default), or why it cannot be used. */
export type ParamResolution = { ok: true; value: ParamValue | undefined } | { ok: false; why: string };

/** `details` of the `invalid_params` error: every problem, and those about one param by its name (for a form). */
export interface InvalidParamsDetails {
  problems: string[];
  fields: Record<string, string>;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?$/i;
const TRUE_WORDS = ['true', '1', 'yes'];
const FALSE_WORDS = ['false', '0', 'no'];

const MAX_SHOWN = 80;

/** A value as messages quote it: JSON (strings in quotes), cut at 80 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid date' : value.toISOString();
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

/**
 * Checks one value against its spec. With `coerce`, strings from forms and the
 * command line are converted (`"3"` → 3, `"yes"` → true, 3 → `"3"` for a string
 * param); without it (defaults in the jobs file) the value must already have the
 * param's type. `why` names the value and the rule; the caller adds the param name.
 */
export function checkParamValue(spec: ParamSpec, value: unknown, options: { coerce: boolean }): ParamCheck {
  const typed = toType(spec, value, options.coerce);
  if (!typed.ok) return typed;
  const bound = boundsProblem(spec, typed.value);
  return bound === null ? typed : { ok: false, why: bound };
}

function toType(spec: ParamSpec, value: unknown, coerce: boolean): ParamCheck {
  const text = typeof value === 'string' ? value.trim() : null;
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const num =
        typeof value === 'number' ? value : coerce && text !== null && DECIMAL.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(num) || (spec.type === 'integer' && !Number.isInteger(num))) {
        return {
          ok: false,
          why: `expected ${spec.type === 'integer' ? 'an integer' : 'a number'}, got ${showValue(value)}`,
        };
      }
      return { ok: true, value: num };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const word = coerce ? String(value).trim().toLowerCase() : null;
      if (word !== null && (typeof value === 'string' || typeof value === 'number')) {
        if (TRUE_WORDS.includes(word)) return { ok: true, value: true };
        if (FALSE_WORDS.includes(word)) return { ok: true, value: false };
      }
      return { ok: false, why: `expected true or false${coerce ? ' (or yes/no, 1/0)' : ''}, got ${showValue(value)}` };
    }
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (coerce && (typeof value === 'number' || typeof value === 'boolean'))
        return { ok: true, value: String(value) };
      return {
        ok: false,
        why: `expected a string, got ${showValue(value)}${typeof value === 'number' ? ' (quote it)' : ''}`,
      };
    case 'enum': {
      const candidate = typeof value === 'string' ? value : coerce && typeof value === 'number' ? String(value) : null;
      if (candidate !== null && (spec.values ?? []).includes(candidate)) return { ok: true, value: candidate };
      return {
        ok: false,
        why: `must be one of ${(spec.values ?? []).map(showValue).join(', ')}, got ${showValue(value)}`,
      };
    }
  }
}

/** min/max are value bounds for numbers and length bounds for strings. */
function boundsProblem(spec: ParamSpec, value: ParamValue): string | null {
  const size =
    typeof value === 'number' ? value : typeof value === 'string' && spec.type === 'string' ? value.length : null;
  if (size === null) return null;
  const what = typeof value === 'number' ? '' : ' characters long';
  if (spec.min !== undefined && size < spec.min) return `must be at least ${spec.min}${what}, got ${showValue(value)}`;
  if (spec.max !== undefined && size > spec.max) return `must be at most ${spec.max}${what}, got ${showValue(value)}`;
  return null;
}

/** Absent for a param: not given, null, or an empty form field for a non-string param. */
function isAbsent(spec: ParamSpec, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return spec.type !== 'string' && typeof value === 'string' && value.trim() === '';
}

/**
 * One param of a manual run as given (form field, CLI flag, API field): an
 * absent value takes the default, is left out when optional, or is refused when
 * required; a given one is checked with coercion.
 */
export function resolveParam(spec: ParamSpec, raw: unknown): ParamResolution {
  if (isAbsent(spec, raw)) {
    if (spec.default !== undefined) return { ok: true, value: spec.default };
    return spec.required ? { ok: false, why: `is required (${spec.type})` } : { ok: true, value: undefined };
  }
  return checkParamValue(spec, raw, { coerce: true });
}

/**
 * The values of a run: the input checked and coerced, defaults filled in.
 * Throws JobtrayError('invalid_params') listing every problem at once, with
 * InvalidParamsDetails, so a form or the CLI can show them all.
 */
export function resolveParams(job: JobDefinition, input: Record<string, unknown> | undefined): ParamValues {
  const given = input ?? {};
  const names = Object.keys(job.params);
  const problems: string[] = [];
  const fields: Record<string, string> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(job.params, name)) {
      const known = names.length > 0 ? `known params: ${names.join(', ')}` : 'this job takes no params';
      problems.push(`unknown param "${name}" (${known})`);
    }
  }
  const values: ParamValues = {};
  for (const [name, spec] of Object.entries(job.params)) {
    const resolved = resolveParam(spec, given[name]);
    if (!resolved.ok) {
      // "is required" reads as a sentence after the name; a value's problem follows a colon.
      problems.push(
        resolved.why.startsWith('is required') ? `param "${name}" ${resolved.why}` : `param "${name}": ${resolved.why}`,
      );
      fields[name] = resolved.why;
    } else if (resolved.value !== undefined) {
      values[name] = resolved.value;
    }
  }
  if (problems.length > 0) {
    const details: InvalidParamsDetails = { problems, fields };
    throw new JobtrayError('invalid_params', `Invalid params for job "${job.id}": ${problems.join('; ')}`, details);
  }
  return values;
}
