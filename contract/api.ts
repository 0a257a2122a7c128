import { z } from 'zod';
import type { EngineEventMap, EngineEventName } from './events.js';
import type {
  ArtifactRecord,
  AuditEntry,
  BackupInfo,
  ConfigStatus,
  HealthSnapshot,
  JobView,
  LogPage,
  RunPage,
  RunRecord,
  RunOutcomePoint,
  SchedulePreview,
  Settings,
  WebhookTestResult,
} from './model.js';
import { DEFAULT_SETTINGS, LOG_LEVELS, RUN_STATES, RUN_TRIGGERS } from './model.js';
import { JobtrayError } from './errors.js';
import { OPERATION_ROUTES, type OperationName } from './routes.js';

export { ACTOR_HEADER, EVENTS_PATH, METRICS_PATH, STREAM_RESET_EVENT } from './routes.js';

/**
 * The operations of Jobtray's one contract: what the Local API (HTTP), the
 * Electron IPC bridge, the CLI and the renderer can ask the engine. Each has
 * a runtime input schema (validated at every boundary), a result type, and its
 * HTTP mapping. Names are `domain:verb`.
 */

const JOB_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const JobIdSchema = z
  .string()
  .regex(JOB_ID, 'a job id: lowercase letters, digits and "-", at most 64 characters');
export const RunIdSchema = z.coerce
  .number()
  .int('a run id is a whole number')
  .positive('a run id is positive')
  .max(Number.MAX_SAFE_INTEGER);
const Limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();
const Millis = z.coerce.number().int().min(0).optional();

/** A schedule as an operator types it (same forms as the jobs file). */
export const ScheduleInputSchema = z.union([
  z.strictObject({ cron: z.string().min(1).max(200), timezone: z.string().min(1).max(100).optional() }),
  z.strictObject({ every: z.string().min(1).max(50) }),
  z.strictObject({ at: z.string().min(1).max(50) }),
]);
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

const ParamsInput = z.record(z.string().max(64), z.union([z.string().max(10_000), z.number(), z.boolean()]));

/** Every setting with its bounds; the store validates stored and patched values with it (see below). */
export const SettingsSchema = z.strictObject({
  max_concurrent_runs: z.number().int().min(1).max(256),
  kill_grace_ms: z.number().int().min(0).max(3_600_000),
  log_cap_per_run: z.number().int().min(100).max(10_000_000),
  retention_max_age_days: z.number().int().min(0).max(36_500),
  retention_max_runs_per_job: z.number().int().min(0).max(100_000_000),
  overdue_grace_ms: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400_000),
  worker_memory_mb: z.number().int().min(16).max(65_536),
  default_timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400_000)
    .nullable(),
  webhook_url: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .nullable(),
  notifications_muted: z.boolean(),
  api_port: z.number().int().min(0).max(65_535),
  backup_enabled: z.boolean(),
});
export const SettingsPatchSchema = SettingsSchema.partial();

/** One schema per setting; typed against Settings so a new setting cannot be forgotten here. */
const SETTING_SCHEMAS: { [K in keyof Settings]: z.ZodType<Settings[K]> } = SettingsSchema.shape;

function isSettingKey(key: string): key is keyof Settings {
  return Object.hasOwn(SETTING_SCHEMAS, key);
}

/** Checks every key of a settings patch; one `invalid_input` error lists every bad key with its value. */
export function validateSettingsPatch(patch: unknown): Partial<Settings> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new JobtrayError('invalid_input', `settings patch must be an object, got ${JSON.stringify(patch)}`);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!isSettingKey(key)) {
      problems.push(
        `unknown setting "${key}" (value ${JSON.stringify(value)}); known: ${Object.keys(SETTING_SCHEMAS).join(', ')}`,
      );
      continue;
    }
    const parsed = SETTING_SCHEMAS[key].safeParse(value);
    if (!parsed.success) {
      const why = parsed.error.issues.map((issue) => issue.message).join(', ');
      problems.push(`setting "${key}" cannot be ${JSON.stringify(value)}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new JobtrayError('invalid_input', `invalid settings: ${problems.join('; ')}`, { problems });
  }
  return patch as Partial<Settings>;
}

/**
 * DEFAULT_SETTINGS overlaid with stored `[key, value]` pairs. Unknown keys and
 * values that no longer validate (written by another Jobtray version) are ignored.
 */
export function settingsFromStored(stored: Iterable<readonly [key: string, value: unknown]>): Settings {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, value] of stored) {
    if (!isSettingKey(key)) continue;
    const parsed = SETTING_SCHEMAS[key].safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
  }
  return settings as unknown as Settings;
}

/** Each operation's input schema; its HTTP route is in OPERATION_ROUTES (contract/routes.ts). */
const OPERATION_INPUTS = {
  'health:get': z.strictObject({}),
  'jobs:list': z.strictObject({}),
  'jobs:get': z.strictObject({ id: JobIdSchema }),
  'jobs:trigger': z.strictObject({
    id: JobIdSchema,
    params: ParamsInput.optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  }),
  'jobs:set-schedule': z.strictObject({ id: JobIdSchema, schedule: ScheduleInputSchema }),
  'jobs:reset-schedule': z.strictObject({ id: JobIdSchema }),
  'jobs:preview-schedule': z.strictObject({
    id: JobIdSchema,
    schedule: ScheduleInputSchema,
    count: z.coerce.number().int().min(1).max(20).optional(),
  }),
  'jobs:sparklines': z.strictObject({ limit: Limit(100) }),
  'jobs:enable': z.strictObject({ id: JobIdSchema }),
  'jobs:disable': z.strictObject({ id: JobIdSchema }),
  'engine:pause': z.strictObject({}),
  'engine:resume': z.strictObject({}),
  'config:reload': z.strictObject({}),
  'config:get': z.strictObject({}),
  'runs:list': z.strictObject({
    job: JobIdSchema.optional(),
    state: z.enum(RUN_STATES).optional(),
    trigger: z.enum(RUN_TRIGGERS).optional(),
    since: Millis,
    until: Millis,
    q: z.string().max(200).optional(),
    limit: Limit(500),
    cursor: z.string().max(200).optional(),
  }),
  'runs:get': z.strictObject({ id: RunIdSchema }),
  'runs:chain': z.strictObject({ id: RunIdSchema }),
  'runs:logs': z.strictObject({
    id: RunIdSchema,
    after: Millis,
    limit: Limit(5_000),
    level: z.enum(LOG_LEVELS).optional(),
    q: z.string().max(200).optional(),
  }),
  'runs:artifacts': z.strictObject({ id: RunIdSchema }),
  'runs:artifact': z.strictObject({ id: RunIdSchema, name: z.string().min(1).max(128) }),
  'runs:cancel': z.strictObject({ id: RunIdSchema }),
  'runs:retry': z.strictObject({ id: RunIdSchema }),
  'settings:get': z.strictObject({}),
  'settings:update': z.strictObject({ settings: SettingsPatchSchema }),
  'settings:test-webhook': z.strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_000)
      .optional(),
  }),
  'audit:list': z.strictObject({ job: JobIdSchema.optional(), limit: Limit(1_000) }),
  /** An online backup of the database: into the data dir's `backups/` (rotated), or to `to`, an absolute path on Jobtray's machine that must not exist yet. */
  'store:backup': z.strictObject({ to: z.string().min(1).max(4_096).optional() }),
} as const satisfies Record<OperationName, z.ZodType>;

/** The operations table: route and input schema of each operation, one entry per name in OPERATION_ROUTES. */
export const OPERATIONS = Object.fromEntries(
  (Object.keys(OPERATION_ROUTES) as OperationName[]).map((name) => [
    name,
    { ...OPERATION_ROUTES[name], input: OPERATION_INPUTS[name] },
  ]),
) as { [K in OperationName]: (typeof OPERATION_ROUTES)[K] & { input: (typeof OPERATION_INPUTS)[K] } };

export type { OperationName };
export type OperationInput<K extends OperationName> = z.output<(typeof OPERATIONS)[K]['input']>;
/** What an operation accepts before validation (what a client sends; path parameters included). */
export type OperationRequest<K extends OperationName> = z.input<(typeof OPERATIONS)[K]['input']>;

/** What each operation returns. */
export interface OperationResults {
  'health:get': HealthSnapshot;
  'jobs:list': { jobs: JobView[] };
  'jobs:get': JobView;
  'jobs:trigger': { run_id: number; run: RunRecord };
  'jobs:set-schedule': JobView;
  'jobs:reset-schedule': JobView;
  'jobs:preview-schedule': SchedulePreview;
  'jobs:sparklines': { jobs: Record<string, RunOutcomePoint[]> };
  'jobs:enable': JobView;
  'jobs:disable': JobView;
  'engine:pause': { paused: boolean };
  'engine:resume': { paused: boolean };
  'config:reload': ConfigStatus;
  'config:get': ConfigStatus;
  'runs:list': RunPage;
  'runs:get': RunRecord;
  'runs:chain': { runs: RunRecord[] };
  'runs:logs': LogPage;
  'runs:artifacts': { artifacts: ArtifactRecord[] };
  'runs:artifact': { record: ArtifactRecord; file: string };
  'runs:cancel': RunRecord;
  'runs:retry': RunRecord;
  'settings:get': Settings;
  'settings:update': Settings;
  'settings:test-webhook': WebhookTestResult;
  'audit:list': { entries: AuditEntry[] };
  'store:backup': BackupInfo;
}

/**
 * Validates an operation's input; a failure is a `JobtrayError('invalid_input')`
 * whose message names every bad field and why.
 */
export function parseOperationInput<K extends OperationName>(name: K, input: unknown): OperationInput<K> {
  const parsed = OPERATIONS[name].input.safeParse(input ?? {});
  if (parsed.success) return parsed.data as OperationInput<K>;
  throw new JobtrayError('invalid_input', `${name}: ${describeZodIssues(parsed.error.issues)}`, {
    issues: parsed.error.issues,
  });
}

/** `field "a.b": why; field "c": why` — for messages a person can act on. */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length > 0 ? `field "${issue.path.map(String).join('.')}"` : 'input';
      if (issue.code === 'unrecognized_keys')
        return `${where}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Operations answered with `202 Accepted` over HTTP (work continues after the answer). */
export const ACCEPTED_OPERATIONS: readonly OperationName[] = ['jobs:trigger', 'runs:retry', 'runs:cancel'];

/** The error body of every failed request: `{"error": {"code", "message"}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** One Server-Sent Event of `GET /api/events`: `id` is a sequence number usable as `Last-Event-ID`. */
export interface StreamEvent<K extends EngineEventName = EngineEventName> {
  id: number;
  name: K;
  data: EngineEventMap[K];
}

/** The discovery file (`api.json` in the data dir) local clients read to find the running host. */
export interface DiscoveryFile {
  url: string;
  token: string;
  pid: number;
  version: string;
  started_at: number;
}
