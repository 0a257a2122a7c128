import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NotifyPolicy, ParamSpec, RetryPolicy, Schedule } from '../../../contract/model.js';
import { formatDuration } from '../../../contract/durations.js';
import { cronProblem } from '../../../contract/schedule.js';
import { checkParamValue, placeholderNames, showValue } from '../params.js';
import { NODE_PLACEHOLDER, isNodePlaceholder } from '../node-command.js';
import { isRecord, parseSection, parseValue, under, type Report } from './fields.js';
import { DEFAULT_NOTIFY, DEFAULT_RETRIES, NOTIFY_SHAPE, PARAM_SHAPE, RETRY_SHAPE, SCHEDULE_SHAPE } from './schema.js';

/**
 * Checks of the objects inside a job (schedule, params, retries, notify) and
 * of what spans their fields (one schedule kind, enum values, placeholders vs
 * declared params, paths on disk). Each reports every problem it finds and
 * returns what it could read, or the default when the object is absent.
 */

const PARAM_NAME = /^[a-z_][a-z0-9_]*$/i;
const SCRIPT_EXTENSION = /\.[cm]?js$/i;
const SCHEDULE_KINDS = ['cron', 'every', 'at'] as const;
const MANUAL_HINT = 'leave "schedule" out for a manual-only job';

/** Validates a schedule object; null for manual only (and for an invalid one: the problems are reported). */
export function checkSchedule(raw: unknown, report: Report): Schedule | null {
  if (raw === undefined || raw === null) return null;
  const section = parseSection(
    raw,
    SCHEDULE_SHAPE,
    report,
    `an object with one of "cron", "every" or "at" (${MANUAL_HINT})`,
  );
  if (!section || !isRecord(raw)) return null;
  const { values, failed } = section;
  const kinds = SCHEDULE_KINDS.filter((kind) => raw[kind] !== undefined && raw[kind] !== null);
  const [kind, extra] = kinds;
  if (kind === undefined) {
    report([], `must set one of "cron", "every" or "at" (${MANUAL_HINT}), got ${showValue(raw)}`);
    return null;
  }
  if (extra !== undefined)
    report([extra], `cannot be combined with "${kind}": a schedule sets exactly one of "cron", "every" or "at"`);
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

export function checkParams(raw: unknown, report: Report): Record<string, ParamSpec> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    report(
      [],
      `expected an object mapping param names to specs, e.g. { days_back: { type: integer, default: 7 } }, got ${showValue(raw)}`,
    );
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
  if (spec.type !== 'enum' && v.values !== undefined)
    report(['values'], `applies only to enum params, not ${spec.type}`);
  for (const bound of ['min', 'max'] as const) {
    if (v[bound] !== undefined && (spec.type === 'boolean' || spec.type === 'enum')) {
      report([bound], `applies only to integer, number and string params, not ${spec.type}`);
    }
  }
  if (v.min !== undefined && v.max !== undefined && v.min > v.max)
    report(['max'], `must not be less than min (${v.min}), got ${v.max}`);
  if (v.default !== undefined && (spec.type !== 'enum' || v.values !== undefined)) {
    const result = checkParamValue(spec, v.default, { coerce: false });
    if (!result.ok) report(['default'], `default ${result.why}`);
  }
  return spec;
}

export function checkPlaceholders(command: string[], declared: readonly string[], report: Report): void {
  const known = declared.length > 0 ? `declared params: ${declared.join(', ')}` : 'the job declares no params';
  command.forEach((arg, index) => {
    for (const name of placeholderNames(arg)) {
      // `{{node}}` as the program is the Node.js runtime (node-command.ts).
      if (index === 0 && name === NODE_PLACEHOLDER && isNodePlaceholder(arg)) continue;
      if (!declared.includes(name))
        report([index], `placeholder "{{${name}}}" names no declared param (${known}); declare it under "params"`);
    }
  });
}

export function checkRetries(raw: unknown, report: Report): RetryPolicy {
  if (raw === undefined || raw === null) return DEFAULT_RETRIES;
  if (typeof raw === 'number') {
    const max = parseValue(RETRY_SHAPE.max, raw, [], report);
    return { ...DEFAULT_RETRIES, max: max.ok ? (max.value ?? 0) : 0 };
  }
  const section = parseSection(
    raw,
    RETRY_SHAPE,
    report,
    'a number of retries (e.g. 3) or an object like { max: 2, backoff: exponential, delay: 30s }',
  );
  const v = section?.values ?? {};
  const delay = v.delay ?? DEFAULT_RETRIES.delay_ms;
  // A long delay raises the default cap rather than being silently cut to it.
  const maxDelay = v.max_delay ?? Math.max(DEFAULT_RETRIES.max_delay_ms, delay);
  if (delay > maxDelay)
    report(['max_delay'], `must not be shorter than delay (${formatDuration(delay)}), got ${formatDuration(maxDelay)}`);
  return {
    max: v.max ?? DEFAULT_RETRIES.max,
    backoff: v.backoff ?? DEFAULT_RETRIES.backoff,
    delay_ms: delay,
    max_delay_ms: maxDelay,
    jitter: v.jitter ?? DEFAULT_RETRIES.jitter,
  };
}

export function checkNotify(raw: unknown, report: Report): NotifyPolicy {
  if (raw === undefined || raw === null) return DEFAULT_NOTIFY;
  const v =
    parseSection(raw, NOTIFY_SHAPE, report, 'an object like { on_failure: true, webhook: "https://..." }')?.values ??
    {};
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

export function checkScript(value: string, baseDir: string, report: Report): string {
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

export function checkCwd(value: string, baseDir: string, report: Report): string {
  const absolute = resolveUserPath(value, baseDir);
  const kind = pathKind(absolute);
  if (kind === 'missing') report([], `folder "${value}" not found: nothing at ${absolute}`);
  else if (kind !== 'directory') report([], `"${value}" is not a folder: ${absolute} is a ${kind}`);
  return absolute;
}
