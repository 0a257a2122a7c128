import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { coerceError, JobtrayError } from '../../contract/errors.js';
import {
  PARAM_TYPES,
  PRIORITIES,
  type ConfigError,
  type JobDefinition,
  type NotifyPolicy,
  type ParamSpec,
  type RetryPolicy,
  type Schedule,
} from '../../contract/model.js';
import { checkDuration, formatDuration } from '../../contract/durations.js';
import { checkParamValue, placeholderNames, showValue } from './params.js';
import { cronProblem } from '../../contract/schedule.js';

/**
 * The jobs file (DESIGN.md "Jobs file"): YAML (or JSON) in, validated
 * JobDefinitions out, with every problem reported at once.
 *
 * How validation works: each object of the file (the top level, a job, its
 * schedule, retries, notify and each param) is checked field by field — a zod
 * schema per field, plus an unknown-field check with a "did you mean" hint — so
 * one bad field never hides another. Checks that span fields (command xor
 * script, placeholders vs params, paths on disk) and jobs (unique ids, chain
 * targets, chain cycles) run on what parsed. Problems carry a path; the path
 * gives the line (from yaml's node ranges) and the `field` of the ConfigError.
 *
 * Partial application: a broken entry does not block the others. `jobs` holds
 * the entries that are fully valid; the engine keeps its last good definition
 * for the ids in `invalid_ids`, and keeps everything when `fatal` is set.
 */

export interface LoadResult {
  file: string;
  /** Jobs whose entries are fully valid (including cross-job checks). */
  jobs: JobDefinition[];
  errors: ConfigError[];
  /** Ids of entries that have errors (entries without a readable id are not listed). */
  invalid_ids: string[];
  /** True when the file as a whole could not be used (unreadable, YAML syntax error, top level not an object, `jobs` not a list): the engine must keep everything it has. */
  fatal: boolean;
}

type Path = readonly (string | number)[];
/** Reports one problem at `path` (relative to what is being checked). `why` is complete: it quotes the offending value and says what is expected. */
type Report = (path: Path, why: string) => void;
type Shape = Record<string, z.ZodType>;
type Parsed<S extends Shape> = { -readonly [K in keyof S]?: z.output<S[K]> };
interface Section<S extends Shape> {
  values: Parsed<S>;
  /** Fields that were present but invalid (already reported). */
  failed: Set<string>;
}

/** A readable id: what `id` must look like. */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const PARAM_NAME = /^[a-z_][a-z0-9_]*$/i;
const SCRIPT_EXTENSION = /\.[cm]?js$/i;
const CHAIN_FIELDS = ['on_success', 'on_failure'] as const;
type ChainField = (typeof CHAIN_FIELDS)[number];
const SCHEDULE_KINDS = ['cron', 'every', 'at'] as const;
const MANUAL_HINT = 'leave "schedule" out for a manual-only job';

const DEFAULT_RETRIES: RetryPolicy = { max: 0, backoff: 'exponential', delay_ms: 30_000, max_delay_ms: 600_000, jitter: true };
const DEFAULT_NOTIFY: NotifyPolicy = { on_failure: true, on_recovery: true, on_timeout: true, webhook: null };

// ---------------------------------------------------------------------------
// Field schemas. Messages come from `issueMessage` unless a schema sets its own.

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
      return issue.input === undefined ? 'is required' : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}`;
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
    return bound === 'at least' && limit === 1 ? 'must not be empty' : `must have ${bound} ${limit} items, got ${showValue(input)}`;
  }
  if (origin === 'string') {
    return bound === 'at least' && limit === 1 ? 'must not be empty' : `must be ${bound} ${limit} characters long, got ${showValue(input)}`;
  }
  return `must be ${bound} ${limit}, got ${showValue(input)}`;
}

/** A message naming the value the schema rejected. */
const says = (why: string) => ({ error: (issue: { input?: unknown }) => `${why}, got ${showValue(issue.input)}` });

/** Wraps a `value → {ok, value} | {ok: false, why}` check as a zod schema. */
function checked<T>(check: (value: unknown) => { ok: true; value: T } | { ok: false; why: string }) {
  return z.unknown().transform((value, ctx) => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.why, input: value });
    return z.NEVER;
  });
}

const durationSchema = checked((value) => {
  const result = checkDuration(value);
  return result.ok ? { ok: true, value: result.ms } : result;
});

const idSchema = z
  .string()
  .max(64)
  .regex(ID_PATTERN, says('must use only lowercase letters a-z, digits and "-", starting with a letter or digit'));

const argSchema = z
  .union([z.string(), z.number()], says('expected a string or a number (argv items are passed as they are, no shell)'))
  .transform(String);

const envSchema = z.record(
  z.string().regex(/^[^=\0]+$/, says('environment variable names must be non-empty and must not contain "="')),
  z.union([z.string(), z.number(), z.boolean()], says('expected a string, number or boolean')).transform(String),
);

/** `on_success: b` is shorthand for `on_success: [b]`. */
const chainSchema = z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(z.string().min(1)));

const JOB_SHAPE = {
  id: idSchema,
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  tags: z.array(z.string().min(1)).optional(),
  enabled: z.boolean().optional(),
  command: z
    .array(argSchema, {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `expected a list of arguments such as [python3, sync.py, --days, "3"] (no shell is used), got ${showValue(issue.input)}`
          : undefined,
    })
    .min(1)
    .optional(),
  script: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
  env: envSchema.optional(),
  schedule: z.unknown(),
  params: z.unknown(),
  timeout: durationSchema.optional(),
  retries: z.unknown(),
  fatal_exit_codes: z.array(z.int().min(1).max(255)).optional(),
  overlap: z.enum(['skip', 'queue']).optional(),
  catch_up: z.enum(['skip', 'once']).optional(),
  on_success: chainSchema.optional(),
  on_failure: chainSchema.optional(),
  priority: z.enum(PRIORITIES).optional(),
  notify: z.unknown(),
} satisfies Shape;

const TOP_SHAPE = {
  version: z.literal(1, says('only version 1 is supported')).optional(),
  jobs: z.array(z.unknown(), {
    error: (issue) =>
      issue.input === undefined
        ? 'is missing: the file needs a "jobs:" list (an empty list is fine: "jobs: []")'
        : `must be a list of jobs, got ${showValue(issue.input)}`,
  }),
} satisfies Shape;

const SCHEDULE_SHAPE = {
  cron: z.string().min(1).optional(),
  timezone: z
    .string()
    .refine(isTimeZone, says('is not an IANA time zone name (for example "Europe/Berlin", "America/New_York" or "UTC")'))
    .optional(),
  every: durationSchema.optional(),
  at: checked(readDateTime).optional(),
} satisfies Shape;

const PARAM_SHAPE = {
  type: z.enum(PARAM_TYPES),
  label: z.string().optional(),
  description: z.string().optional(),
  default: z.union([z.string(), z.number(), z.boolean()], says('expected a string, number or boolean')).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  values: z
    .array(z.union([z.string(), z.number()], says('expected a string or a number')).transform(String))
    .min(1)
    .optional(),
  required: z.boolean().optional(),
} satisfies Shape;

const RETRY_SHAPE = {
  max: z.int().min(0).optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  delay: durationSchema.optional(),
  max_delay: durationSchema.optional(),
  jitter: z.boolean().optional(),
} satisfies Shape;

const NOTIFY_SHAPE = {
  on_failure: z.boolean().optional(),
  on_recovery: z.boolean().optional(),
  on_timeout: z.boolean().optional(),
  webhook: z.string().refine(isHttpUrl, says('must be an http:// or https:// URL')).optional(),
} satisfies Shape;

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** An absolute http(s) URL with a host (webhooks). */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** YYYY-MM-DD, optionally with a time (T or space) and a zone (Z or ±hh:mm). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** An `at` value: an ISO date-time string (a time without a zone is local time) or a YAML timestamp. */
function readDateTime(value: unknown): { ok: true; value: { at: string; at_ms: number } } | { ok: false; why: string } {
  const expected = 'expected an ISO date-time such as "2026-12-01T09:00:00+01:00"';
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? { ok: false, why: `${expected}, got an invalid date` } : { ok: true, value: { at: value.toISOString(), at_ms: ms } };
  }
  if (typeof value !== 'string') return { ok: false, why: `${expected}, got ${showValue(value)}` };
  const text = value.trim();
  const match = ISO_DATE_TIME.exec(text);
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match ?? [];
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const realDay = calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day);
  const ms = Date.parse(text.replace(' ', 'T').replace(/\s+/g, ''));
  if (!match || !realDay || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 || Number.isNaN(ms)) {
    return { ok: false, why: `${expected}, got ${showValue(value)}` };
  }
  return { ok: true, value: { at: text, at_ms: ms } };
}

// ---------------------------------------------------------------------------
// Generic section checks

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function under(report: Report, base: Path): Report {
  return (path, why) => report([...base, ...path], why);
}

/** `schedule.cron`, `command[2]`, `params.days_back.default`. */
function formatPath(path: Path): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
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
    if (distance <= 2 && distance < key.length && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best
    ? `unknown field '${key}' (did you mean '${best.name}'?)`
    : `unknown field '${key}' (known fields: ${known.join(', ')})`;
}

function parseValue<T extends z.ZodType>(schema: T, value: unknown, path: Path, report: Report): { ok: true; value: z.output<T> } | { ok: false } {
  const result = schema.safeParse(value, { error: issueMessage });
  if (result.success) return { ok: true, value: result.data };
  for (const issue of result.error.issues) {
    const inner = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    report([...path, ...inner], issue.message);
  }
  return { ok: false };
}

/** Checks every field of `raw` against `shape` and reports unknown fields. A null value counts as absent (an empty YAML value). */
function parseFields<S extends Shape>(raw: Record<string, unknown>, shape: S, report: Report): Section<S> {
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
function parseSection<S extends Shape>(raw: unknown, shape: S, report: Report, expected: string): Section<S> | null {
  if (!isRecord(raw)) {
    report([], `expected ${expected}, got ${showValue(raw)}`);
    return null;
  }
  return parseFields(raw, shape, report);
}

// ---------------------------------------------------------------------------
// Job sections

/** Validates a schedule object; null for manual only (and for an invalid one: the problems are reported). */
function checkSchedule(raw: unknown, report: Report): Schedule | null {
  if (raw === undefined || raw === null) return null;
  const section = parseSection(raw, SCHEDULE_SHAPE, report, `an object with one of "cron", "every" or "at" (${MANUAL_HINT})`);
  if (!section || !isRecord(raw)) return null;
  const { values, failed } = section;
  const kinds = SCHEDULE_KINDS.filter((kind) => raw[kind] !== undefined && raw[kind] !== null);
  const [kind, extra] = kinds;
  if (kind === undefined) {
    report([], `must set one of "cron", "every" or "at" (${MANUAL_HINT}), got ${showValue(raw)}`);
    return null;
  }
  if (extra !== undefined) report([extra], `cannot be combined with "${kind}": a schedule sets exactly one of "cron", "every" or "at"`);
  if (raw.timezone != null && kind !== 'cron') report(['timezone'], `applies only to "cron" schedules, not "${kind}"`);
  if (values.cron !== undefined) {
    const problem = cronProblem(values.cron, failed.has('timezone') ? null : (values.timezone ?? null));
    if (problem !== null) {
      report(['cron'], withCronRange(problem));
      return null;
    }
  }
  if (extra !== undefined || failed.size > 0) return null;
  if (values.cron !== undefined) return { kind: 'cron', cron: values.cron, timezone: values.timezone ?? null };
  if (values.every !== undefined) return { kind: 'every', every: String(raw.every).trim(), every_ms: values.every };
  return values.at === undefined ? null : { kind: 'at', ...values.at };
}

/** Allowed values per croner field name, for its "Invalid value for <field>" errors. */
const CRON_RANGES: Record<string, string> = {
  second: 'second must be 0-59',
  minute: 'minute must be 0-59',
  hour: 'hour must be 0-23',
  day: 'day of month must be 1-31',
  month: 'month must be 1-12 or JAN-DEC',
  dayOfWeek: 'day of week must be 0-7 or SUN-SAT',
};

/** Adds the allowed range to a croner "Invalid value for minute" message (croner's own number may be offset, e.g. for months). */
function withCronRange(problem: string): string {
  const field = /Invalid value for (\w+)/.exec(problem)?.[1];
  const range = field === undefined ? undefined : CRON_RANGES[field];
  return range === undefined ? problem : `${problem} (${range})`;
}

function checkParams(raw: unknown, report: Report): Record<string, ParamSpec> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    report([], `expected an object mapping param names to specs, e.g. { days_back: { type: integer, default: 7 } }, got ${showValue(raw)}`);
    return {};
  }
  const specs: Record<string, ParamSpec> = {};
  for (const [name, specRaw] of Object.entries(raw)) {
    if (!PARAM_NAME.test(name)) {
      report([name], `invalid param name ${showValue(name)} (use letters, digits and "_", not starting with a digit)`);
    }
    const spec = checkParamSpec(specRaw, under(report, [name]));
    if (spec) specs[name] = spec;
  }
  return specs;
}

function checkParamSpec(raw: unknown, report: Report): ParamSpec | null {
  const section = parseSection(raw, PARAM_SHAPE, report, 'an object like { type: integer, default: 7, min: 1 }');
  const v = section?.values;
  if (!section || !v || v.type === undefined) return null;
  const spec: ParamSpec = {
    type: v.type,
    required: v.required ?? false,
    ...(v.label !== undefined && { label: v.label }),
    ...(v.description !== undefined && { description: v.description }),
    ...(v.default !== undefined && { default: v.default }),
    ...(v.min !== undefined && { min: v.min }),
    ...(v.max !== undefined && { max: v.max }),
    ...(v.values !== undefined && { values: v.values }),
  };
  if (spec.type === 'enum' && v.values === undefined && !section.failed.has('values')) {
    report(['values'], 'is required for an enum param: list the allowed values, e.g. values: [fast, full]');
  }
  if (spec.type !== 'enum' && v.values !== undefined) report(['values'], `applies only to enum params, not ${spec.type}`);
  for (const bound of ['min', 'max'] as const) {
    if (v[bound] !== undefined && (spec.type === 'boolean' || spec.type === 'enum')) {
      report([bound], `applies only to integer, number and string params, not ${spec.type}`);
    }
  }
  if (v.min !== undefined && v.max !== undefined && v.min > v.max) report(['max'], `must not be less than min (${v.min}), got ${v.max}`);
  if (v.default !== undefined && (spec.type !== 'enum' || v.values !== undefined)) {
    const result = checkParamValue(spec, v.default, { coerce: false });
    if (!result.ok) report(['default'], `default ${result.why}`);
  }
  return spec;
}

function checkPlaceholders(command: string[], declared: readonly string[], report: Report): void {
  const known = declared.length > 0 ? `declared params: ${declared.join(', ')}` : 'the job declares no params';
  command.forEach((arg, index) => {
    for (const name of placeholderNames(arg)) {
      if (!declared.includes(name)) report([index], `placeholder "{{${name}}}" names no declared param (${known}); declare it under "params"`);
    }
  });
}

function checkRetries(raw: unknown, report: Report): RetryPolicy {
  if (raw === undefined || raw === null) return DEFAULT_RETRIES;
  if (typeof raw === 'number') {
    const max = parseValue(RETRY_SHAPE.max, raw, [], report);
    return { ...DEFAULT_RETRIES, max: max.ok ? (max.value ?? 0) : 0 };
  }
  const section = parseSection(raw, RETRY_SHAPE, report, 'a number of retries (e.g. 3) or an object like { max: 2, backoff: exponential, delay: 30s }');
  const v = section?.values ?? {};
  const delay = v.delay ?? DEFAULT_RETRIES.delay_ms;
  // A long delay raises the default cap rather than being silently cut to it.
  const maxDelay = v.max_delay ?? Math.max(DEFAULT_RETRIES.max_delay_ms, delay);
  if (delay > maxDelay) report(['max_delay'], `must not be shorter than delay (${formatDuration(delay)}), got ${formatDuration(maxDelay)}`);
  return {
    max: v.max ?? DEFAULT_RETRIES.max,
    backoff: v.backoff ?? DEFAULT_RETRIES.backoff,
    delay_ms: delay,
    max_delay_ms: maxDelay,
    jitter: v.jitter ?? DEFAULT_RETRIES.jitter,
  };
}

function checkNotify(raw: unknown, report: Report): NotifyPolicy {
  if (raw === undefined || raw === null) return DEFAULT_NOTIFY;
  const v = parseSection(raw, NOTIFY_SHAPE, report, 'an object like { on_failure: true, webhook: "https://..." }')?.values ?? {};
  return {
    on_failure: v.on_failure ?? DEFAULT_NOTIFY.on_failure,
    on_recovery: v.on_recovery ?? DEFAULT_NOTIFY.on_recovery,
    on_timeout: v.on_timeout ?? DEFAULT_NOTIFY.on_timeout,
    webhook: v.webhook ?? DEFAULT_NOTIFY.webhook,
  };
}

/** `~` expands to the home folder; relative paths resolve against the jobs file's folder. */
function resolveUserPath(value: string, baseDir: string): string {
  const expanded = value === '~' || /^~[/\\]/.test(value) ? path.join(os.homedir(), value.slice(1)) : value;
  return path.resolve(baseDir, expanded);
}

function pathKind(absolute: string): 'file' | 'directory' | 'missing' | 'other' {
  const stat = fs.statSync(absolute, { throwIfNoEntry: false });
  if (!stat) return 'missing';
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
}

function checkScript(value: string, baseDir: string, report: Report): string {
  const absolute = resolveUserPath(value, baseDir);
  if (!SCRIPT_EXTENSION.test(absolute)) {
    report([], `must be a JavaScript module (.js, .mjs or .cjs), got "${value}"; run other programs with "command"`);
    return absolute;
  }
  const kind = pathKind(absolute);
  if (kind === 'missing') report([], `script "${value}" not found: no file at ${absolute}`);
  else if (kind !== 'file') report([], `script "${value}" is not a file: ${absolute} is a ${kind}`);
  return absolute;
}

function checkCwd(value: string, baseDir: string, report: Report): string {
  const absolute = resolveUserPath(value, baseDir);
  const kind = pathKind(absolute);
  if (kind === 'missing') report([], `folder "${value}" not found: nothing at ${absolute}`);
  else if (kind !== 'directory') report([], `"${value}" is not a folder: ${absolute} is a ${kind}`);
  return absolute;
}

/** command xor script. */
function checkKind(raw: Record<string, unknown>, report: Report): 'command' | 'script' | null {
  const hasCommand = raw.command !== undefined && raw.command !== null;
  const hasScript = raw.script !== undefined && raw.script !== null;
  if (hasCommand && hasScript) {
    report(['script'], 'cannot be combined with "command": a job runs either a command (argv list) or a script (JS module), not both');
    return null;
  }
  if (!hasCommand && !hasScript) {
    report(['command'], 'is missing: a job needs either "command" (an argv list such as [python3, sync.py]) or "script" (a .js/.mjs/.cjs module)');
    return null;
  }
  return hasCommand ? 'command' : 'script';
}

// ---------------------------------------------------------------------------
// Entries

interface Issue {
  /** Relative to the entry. */
  path: Path;
  why: string;
}

interface ChainLink {
  target: string;
  /** Where the target is written (for messages and lines). */
  path: Path;
}

interface Entry {
  index: number;
  /** The entry's id when it is a valid id, else null. */
  id: string | null;
  issues: Issue[];
  chains: Record<ChainField, ChainLink[]>;
  /** Built when the entry itself has no problems; cross-job checks may still make it invalid. */
  definition: JobDefinition | null;
}

function chainLinks(raw: Record<string, unknown>, field: ChainField, targets: string[] | undefined): ChainLink[] {
  const listed = Array.isArray(raw[field]);
  return (targets ?? []).map((target, i) => ({ target, path: listed ? [field, i] : [field] }));
}

function checkEntry(raw: unknown, index: number, baseDir: string): Entry {
  const issues: Issue[] = [];
  const report: Report = (path, why) => issues.push({ path, why });
  const entry: Entry = { index, id: null, issues, chains: { on_success: [], on_failure: [] }, definition: null };
  if (!isRecord(raw)) {
    report([], `must be an object with an "id" and a "command" or "script", got ${showValue(raw)}`);
    return entry;
  }
  const { values: v } = parseFields(raw, JOB_SHAPE, report);
  entry.id = v.id ?? null;
  entry.chains = { on_success: chainLinks(raw, 'on_success', v.on_success), on_failure: chainLinks(raw, 'on_failure', v.on_failure) };

  const kind = checkKind(raw, report);
  const params = checkParams(raw.params, under(report, ['params']));
  // Placeholders are checked against the declared names, even when a spec is broken, so both problems show.
  if (v.command) checkPlaceholders(v.command, isRecord(raw.params) ? Object.keys(raw.params) : [], under(report, ['command']));
  if (v.command?.[0]?.trim() === '') report(['command', 0], 'the program to run must not be empty');
  const schedule = checkSchedule(raw.schedule, under(report, ['schedule']));
  const retries = checkRetries(raw.retries, under(report, ['retries']));
  const notify = checkNotify(raw.notify, under(report, ['notify']));
  const script = v.script === undefined ? null : checkScript(v.script, baseDir, under(report, ['script']));
  const cwd = v.cwd === undefined ? baseDir : checkCwd(v.cwd, baseDir, under(report, ['cwd']));

  if (issues.length > 0 || v.id === undefined || kind === null) return entry;
  entry.definition = {
    id: v.id,
    name: v.name ?? v.id,
    description: v.description ?? null,
    tags: v.tags ?? [],
    enabled: v.enabled ?? true,
    kind,
    command: v.command ?? null,
    script,
    cwd,
    env: v.env ?? {},
    schedule,
    params,
    timeout_ms: v.timeout ?? null,
    retries,
    fatal_exit_codes: v.fatal_exit_codes ?? [],
    overlap: v.overlap ?? 'skip',
    catch_up: v.catch_up ?? 'skip',
    on_success: v.on_success ?? [],
    on_failure: v.on_failure ?? [],
    priority: v.priority ?? 'normal',
    notify,
  };
  return entry;
}

// ---------------------------------------------------------------------------
// Cross-job checks

/** The first entry with an id wins; later ones are errors (the first stays valid). */
function checkDuplicateIds(entries: Entry[]): Map<string, Entry> {
  const first = new Map<string, Entry>();
  for (const entry of entries) {
    if (entry.id === null) continue;
    const earlier = first.get(entry.id);
    if (earlier) entry.issues.push({ path: ['id'], why: `duplicate id "${entry.id}": jobs[${earlier.index}] already uses it (ids must be unique)` });
    else first.set(entry.id, entry);
  }
  return first;
}

/** A target must be the id of some entry; an entry that is itself invalid is fine (the engine keeps its last good definition). */
function checkChainTargets(entries: Entry[], byId: Map<string, Entry>): void {
  const known = byId.size > 0 ? [...byId.keys()].join(', ') : 'none';
  for (const entry of entries) {
    for (const field of CHAIN_FIELDS) {
      for (const link of entry.chains[field]) {
        if (!byId.has(link.target)) entry.issues.push({ path: link.path, why: `chains to unknown job "${link.target}" (known jobs: ${known})` });
      }
    }
  }
}

/** The shortest chain path from `start` back to itself (`[a, b, a]`, or `[a, a]` for a self-chain), or null. */
function shortestCycle(start: string, next: (id: string) => string[]): string[] | null {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head] ?? start;
    for (const target of next(current)) {
      if (target === start) {
        const cycle = [start];
        for (let step: string | undefined = current; step !== undefined && step !== start; step = parent.get(step)) cycle.unshift(step);
        return [start, ...cycle];
      }
      if (!parent.has(target)) {
        parent.set(target, current);
        queue.push(target);
      }
    }
  }
  return null;
}

/** Each job on a chain cycle gets its own error, on the link that closes the cycle's first step. */
function checkChainCycles(byId: Map<string, Entry>): void {
  const next = (id: string): string[] => {
    const entry = byId.get(id);
    if (!entry) return [];
    return CHAIN_FIELDS.flatMap((field) => entry.chains[field].map((link) => link.target)).filter((target) => byId.has(target));
  };
  for (const [id, entry] of byId) {
    const cycle = shortestCycle(id, next);
    const link = CHAIN_FIELDS.flatMap((field) => entry.chains[field]).find((l) => l.target === cycle?.[1]);
    if (!cycle || !link) continue;
    entry.issues.push({ path: link.path, why: `chain cycle ${cycle.join(' → ')}: a chain must not lead back to a job already in it` });
  }
}

// ---------------------------------------------------------------------------
// Errors and lines

interface ErrorSubject {
  index: number | null;
  id: string | null;
  field: string | null;
}

function makeError(file: string, line: number | null, subject: ErrorSubject, why: string): ConfigError {
  const where = `${path.basename(file)}${line === null ? '' : `:${line}`}`;
  const job = subject.index === null ? '' : subject.id === null ? `job at jobs[${subject.index}]` : `job "${subject.id}" (jobs[${subject.index}])`;
  const field = subject.field === null ? '' : `field "${subject.field}"`;
  const about = [job, field].filter(Boolean).join(' ');
  return {
    file,
    line,
    job_id: subject.id,
    index: subject.index,
    field: subject.field,
    message: about ? `${where}: ${about}: ${why}` : `${where}: ${why}`,
  };
}

/** 1-based line of the node at `path` (a map entry's key line), or of its closest existing ancestor. */
function lineOf(doc: Document, counter: LineCounter, path: Path): number | null {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      offset = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      if (!isNode(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? null : counter.linePos(offset).line;
}

function fatalResult(file: string, errors: ConfigError[]): LoadResult {
  return { file, jobs: [], errors: errors.sort(byLine), invalid_ids: [], fatal: true };
}

function byLine(a: ConfigError, b: ConfigError): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

// ---------------------------------------------------------------------------
// Public API

/** Parses and validates the text of a jobs file. `file` is its absolute path: for relative paths and messages. */
export function parseJobsText(text: string, file: string): LoadResult {
  const counter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: counter, merge: true, prettyErrors: true });
  const lineAt = (at: Path) => lineOf(doc, counter, at);
  const noSubject: ErrorSubject = { index: null, id: null, field: null };
  if (doc.errors.length > 0) {
    return fatalResult(
      file,
      doc.errors.map((e) => makeError(file, e.linePos?.[0].line ?? null, noSubject, `YAML syntax error: ${e.message.split('\n')[0] ?? e.message}`)),
    );
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (err) {
    return fatalResult(file, [makeError(file, null, noSubject, `cannot read the YAML: ${coerceError(err).message}`)]);
  }
  if (!isRecord(root)) {
    const why = root === null || root === undefined
      ? 'the file is empty: it needs a "jobs:" list (an empty list is fine: "jobs: []")'
      : `the top level must be an object with a "jobs:" list${Array.isArray(root) ? ' (put the list of jobs under "jobs:")' : ''}, got ${showValue(root)}`;
    return fatalResult(file, [makeError(file, lineAt([]), noSubject, why)]);
  }

  const errors: ConfigError[] = [];
  const top = parseFields(root, TOP_SHAPE, (at, why) => errors.push(makeError(file, lineAt(at), { ...noSubject, field: formatPath(at) }, why)));
  if (top.values.jobs === undefined) return fatalResult(file, errors);

  const baseDir = path.dirname(file);
  const entries = top.values.jobs.map((raw, index) => checkEntry(raw, index, baseDir));
  const byId = checkDuplicateIds(entries);
  checkChainTargets(entries, byId);
  checkChainCycles(byId);

  const jobs: JobDefinition[] = [];
  const invalid = new Set<string>();
  for (const entry of entries) {
    for (const issue of entry.issues) {
      const field = issue.path.length > 0 ? formatPath(issue.path) : null;
      errors.push(makeError(file, lineAt(['jobs', entry.index, ...issue.path]), { index: entry.index, id: entry.id, field }, issue.why));
    }
    if (entry.issues.length === 0 && entry.definition) jobs.push(entry.definition);
    else if (entry.id !== null) invalid.add(entry.id);
  }
  // A duplicate's id stays valid through its first entry.
  for (const job of jobs) invalid.delete(job.id);
  return { file, jobs, errors: errors.sort(byLine), invalid_ids: [...invalid], fatal: false };
}

/** Reads and validates a jobs file; an unreadable file is a fatal error naming its path. */
export async function loadJobsFile(file: string): Promise<LoadResult> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const why = `cannot read the jobs file ${absolute}: ${coerceError(err).message}`;
    return fatalResult(absolute, [makeError(absolute, null, { index: null, id: null, field: null }, why)]);
  }
  return parseJobsText(text, absolute);
}

/**
 * Validates a runtime schedule override (`{cron, timezone?}`, `{every}`, `{at}`;
 * null/undefined = manual only) with the same rules as the jobs file. Messages
 * start with `where`.
 */
export function parseSchedule(input: unknown, where: string): { schedule: Schedule | null; errors: string[] } {
  const errors: string[] = [];
  const schedule = checkSchedule(input, (at, why) => errors.push(`${where}: ${at.length > 0 ? `field "${formatPath(at)}": ` : ''}${why}`));
  return { schedule: errors.length > 0 ? null : schedule, errors };
}

/**
 * First start: when `file` does not exist, creates it from `templateDir`
 * (resources/: jobs.yaml and the jobs/ folder of demo scripts). Never overwrites
 * a file; each file appears whole (temp file + rename), scripts before the jobs
 * file so a watcher never sees a jobs file whose scripts are missing.
 * Returns true when the jobs file was created.
 */
export async function ensureJobsFile(file: string, templateDir: string): Promise<boolean> {
  if (fs.existsSync(file)) return false;
  const targetDir = path.dirname(file);
  try {
    await mkdir(targetDir, { recursive: true });
    await copyMissing(path.join(templateDir, 'jobs'), path.join(targetDir, 'jobs'));
    await copyAtomically(path.join(templateDir, 'jobs.yaml'), file);
  } catch (err) {
    throw new JobtrayError('internal', `Cannot create the jobs file ${file} from the template in ${templateDir}: ${coerceError(err).message}`);
  }
  return true;
}

/** Copies a folder tree, skipping files that already exist. A missing source folder is nothing to copy. */
async function copyMissing(from: string, to: string): Promise<void> {
  const items = await readdir(from, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (items === null) return;
  await mkdir(to, { recursive: true });
  for (const item of items) {
    const source = path.join(from, item.name);
    const target = path.join(to, item.name);
    if (item.isDirectory()) await copyMissing(source, target);
    else if (item.isFile() && !fs.existsSync(target)) await copyAtomically(source, target);
  }
}

async function copyAtomically(from: string, to: string): Promise<void> {
  const temp = `${to}.${process.pid}-${randomUUID()}.tmp`;
  try {
    await copyFile(from, temp);
    await rename(temp, to);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
