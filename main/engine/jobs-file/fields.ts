import { z } from 'zod';
import { showValue } from '../params.js';

/**
 * The per-field validation toolkit of the jobs file. Each object of the file
 * is checked field by field — a zod schema per field, plus an unknown-field
 * check with a "did you mean" hint — so one bad field never hides another.
 * Problems go to a `Report` with the path of the field; the caller turns the
 * path into a line and a message.
 */

export type Path = readonly (string | number)[];
/** Reports one problem at `path` (relative to what is being checked). `why` is complete: it quotes the offending value and says what is expected. */
export type Report = (path: Path, why: string) => void;
export type Shape = Record<string, z.ZodType>;
type Parsed<S extends Shape> = { -readonly [K in keyof S]?: z.output<S[K]> };
interface Section<S extends Shape> {
  values: Parsed<S>;
  /** Fields that were present but invalid (already reported). */
  failed: Set<string>;
}

// Messages come from `issueMessage` unless a schema sets its own.
const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object (key: value pairs)',
  record: 'an object (key: value pairs)',
};

/** Parse-level zod error map: schema-level messages take precedence over it. */
function issueMessage(issue: z.core.$ZodRawIssue): string {
  const got = `got ${showValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}, ${got}`;
    case 'too_small':
      return sizeMessage('at least', Number(issue.minimum), issue.origin, issue.input);
    case 'too_big':
      return sizeMessage('at most', Number(issue.maximum), issue.origin, issue.input);
    default:
      return `is invalid, ${got}`;
  }
}

function sizeMessage(bound: 'at least' | 'at most', limit: number, origin: string, input: unknown): string {
  if (origin === 'array') {
    return bound === 'at least' && limit === 1
      ? 'must not be empty'
      : `must have ${bound} ${limit} items, got ${showValue(input)}`;
  }
  if (origin === 'string') {
    return bound === 'at least' && limit === 1
      ? 'must not be empty'
      : `must be ${bound} ${limit} characters long, got ${showValue(input)}`;
  }
  return `must be ${bound} ${limit}, got ${showValue(input)}`;
}

/** A message naming the value the schema rejected. */
export const says = (why: string) => ({
  error: (issue: { input?: unknown }) => `${why}, got ${showValue(issue.input)}`,
});

/** Wraps a `value → {ok, value} | {ok: false, why}` check as a zod schema. */
export function checked<T>(check: (value: unknown) => { ok: true; value: T } | { ok: false; why: string }) {
  return z.unknown().transform((value, ctx) => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.why, input: value });
    return z.NEVER;
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function under(report: Report, base: Path): Report {
  return (path, why) => report([...base, ...path], why);
}

/** `schedule.cron`, `command[2]`, `params.days_back.default`. */
export function formatPath(path: Path): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownFieldMessage(key: string, known: readonly string[]): string {
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name);
    // A short key is "close" to too much (`tz` is 2 edits from `at`): the hint must be shorter than the key.
    if (distance <= 2 && distance < key.length && (best === null || distance < best.distance))
      best = { name, distance };
  }
  return best
    ? `unknown field '${key}' (did you mean '${best.name}'?)`
    : `unknown field '${key}' (known fields: ${known.join(', ')})`;
}

export function parseValue<T extends z.ZodType>(
  schema: T,
  value: unknown,
  path: Path,
  report: Report,
): { ok: true; value: z.output<T> } | { ok: false } {
  const result = schema.safeParse(value, { error: issueMessage });
  if (result.success) return { ok: true, value: result.data };
  for (const issue of result.error.issues) {
    const inner = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    report([...path, ...inner], issue.message);
  }
  return { ok: false };
}

/** Checks every field of `raw` against `shape` and reports unknown fields. A null value counts as absent (an empty YAML value). */
export function parseFields<S extends Shape>(raw: Record<string, unknown>, shape: S, report: Report): Section<S> {
  const known = Object.keys(shape);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) report([key], unknownFieldMessage(key, known));
  }
  const values: Parsed<S> = {};
  const failed = new Set<string>();
  for (const key of known as (keyof S & string)[]) {
    const schema = shape[key];
    if (schema === undefined) continue;
    const result = parseValue(schema, raw[key] ?? undefined, [key], report);
    if (result.ok) values[key] = result.value;
    else failed.add(key);
  }
  return { values, failed };
}

/** parseFields for a value that must be an object; `expected` describes it for the message when it is not. */
export function parseSection<S extends Shape>(
  raw: unknown,
  shape: S,
  report: Report,
  expected: string,
): Section<S> | null {
  if (!isRecord(raw)) {
    report([], `expected ${expected}, got ${showValue(raw)}`);
    return null;
  }
  return parseFields(raw, shape, report);
}
