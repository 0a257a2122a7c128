import { z } from 'zod';
import {
  BACKOFF_MODES,
  CATCH_UP_MODES,
  OVERLAP_MODES,
  PARAM_TYPES,
  PRIORITIES,
  type NotifyPolicy,
  type RetryPolicy,
} from '../../../contract/model.js';
import { checkDuration } from '../../../contract/durations.js';
import { isHttpUrl } from '../../../contract/webhooks.js';
import { showValue } from '../params.js';
import { checked, says, type Shape } from './fields.js';

/**
 * The job schema: one zod schema per field of each object of the jobs file
 * (the top level, a job, its schedule, a param, retries, notify) and the
 * defaults of the optional policies. Objects left `z.unknown()` here are
 * checked as sections of their own (sections.ts).
 */

/** A readable id: what `id` must look like. */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export const DEFAULT_RETRIES: RetryPolicy = {
  max: 0,
  backoff: 'exponential',
  delay_ms: 30_000,
  max_delay_ms: 600_000,
  jitter: true,
};
export const DEFAULT_NOTIFY: NotifyPolicy = { on_failure: true, on_recovery: true, on_timeout: true, webhook: null };

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

export const JOB_SHAPE = {
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
  overlap: z.enum(OVERLAP_MODES).optional(),
  catch_up: z.enum(CATCH_UP_MODES).optional(),
  on_success: chainSchema.optional(),
  on_failure: chainSchema.optional(),
  priority: z.enum(PRIORITIES).optional(),
  notify: z.unknown(),
} satisfies Shape;

export const TOP_SHAPE = {
  version: z.literal(1, says('only version 1 is supported')).optional(),
  jobs: z.array(z.unknown(), {
    error: (issue) =>
      issue.input === undefined
        ? 'is missing: the file needs a "jobs:" list (an empty list is fine: "jobs: []")'
        : `must be a list of jobs, got ${showValue(issue.input)}`,
  }),
} satisfies Shape;

export const SCHEDULE_SHAPE = {
  cron: z.string().min(1).optional(),
  timezone: z
    .string()
    .refine(
      isTimeZone,
      says('is not an IANA time zone name (for example "Europe/Berlin", "America/New_York" or "UTC")'),
    )
    .optional(),
  every: durationSchema.optional(),
  at: checked(readDateTime).optional(),
} satisfies Shape;

export const PARAM_SHAPE = {
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

export const RETRY_SHAPE = {
  max: z.int().min(0).optional(),
  backoff: z.enum(BACKOFF_MODES).optional(),
  delay: durationSchema.optional(),
  max_delay: durationSchema.optional(),
  jitter: z.boolean().optional(),
} satisfies Shape;

export const NOTIFY_SHAPE = {
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

/** YYYY-MM-DD, optionally with a time (T or space) and a zone (Z or ±hh:mm). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** An `at` value: an ISO date-time string (a time without a zone is local time) or a YAML timestamp. */
function readDateTime(value: unknown): { ok: true; value: { at: string; at_ms: number } } | { ok: false; why: string } {
  const expected = 'expected an ISO date-time such as "2026-12-01T09:00:00+01:00"';
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms)
      ? { ok: false, why: `${expected}, got an invalid date` }
      : { ok: true, value: { at: value.toISOString(), at_ms: ms } };
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
