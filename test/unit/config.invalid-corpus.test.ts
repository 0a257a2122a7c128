import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadJobsFile } from '../../main/engine/jobs-file/index.js';

const dir = fileURLToPath(new URL('../fixtures/jobs/invalid', import.meta.url));

interface Expected {
  line: number | null;
  job_id: string | null;
  field: string | null;
  /** Substrings of the message (besides file, line, job and field, which are checked for every error). */
  says: string[];
}

interface Case {
  /** The file as a whole is unusable: nothing applies. */
  fatal?: boolean;
  /** Ids expected in `jobs` (default: the fixture's valid `ok-job`). */
  valid?: string[];
  /** Every error, in line order. */
  errors: Expected[];
}

const e = (line: number | null, job_id: string | null, field: string | null, ...says: string[]): Expected => ({
  line,
  job_id,
  field,
  says,
});

const CASES: Record<string, Case> = {
  // The file as a whole
  'yaml-syntax.yaml': {
    fatal: true,
    errors: [
      e(
        4,
        null,
        null,
        'yaml-syntax.yaml:4: YAML syntax error at column 3: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ),
      e(4, null, null, 'YAML syntax error'),
      e(4, null, null, 'YAML syntax error'),
    ],
  },
  'empty-file.yaml': { fatal: true, errors: [e(null, null, null, 'the file is empty', 'jobs: []')] },
  'top-level-list.yaml': {
    fatal: true,
    errors: [e(1, null, null, 'top level must be an object', 'put the list of jobs under "jobs:"')],
  },
  'jobs-missing.yaml': {
    fatal: true,
    errors: [e(1, null, 'jobs', 'is missing'), e(2, null, 'job', "unknown field 'job' (did you mean 'jobs'?)")],
  },
  'jobs-not-list.yaml': { fatal: true, errors: [e(1, null, 'jobs', 'must be a list of jobs', '"ok-job"')] },
  'unknown-top-level-field.yaml': {
    errors: [e(1, null, 'verison', "unknown field 'verison' (did you mean 'version'?)")],
  },
  'version-unsupported.yaml': { errors: [e(1, null, 'version', 'only version 1 is supported, got 2')] },

  // Entries and ids
  'job-not-object.yaml': { errors: [e(2, null, null, 'job at jobs[0]', 'must be an object', '"just-a-string"')] },
  'missing-id.yaml': { errors: [e(2, null, 'id', 'job at jobs[0]', 'is required')] },
  'id-bad-chars.yaml': { errors: [e(2, null, 'id', 'lowercase letters a-z, digits and "-"', '"sync_orders"')] },
  'id-uppercase.yaml': { errors: [e(2, null, 'id', 'lowercase letters', '"Sync-Orders"')] },
  'id-too-long.yaml': { errors: [e(2, null, 'id', 'at most 64 characters')] },
  'duplicate-ids.yaml': {
    valid: ['ok-job', 'other'],
    errors: [e(6, 'ok-job', 'id', '(jobs[2])', 'duplicate id "ok-job": jobs[0] already uses it')],
  },
  'unknown-job-field.yaml': { errors: [e(4, 'typo', 'schedul', "unknown field 'schedul' (did you mean 'schedule'?)")] },

  // What to run
  'command-and-script.yaml': { errors: [e(4, 'both', 'script', 'cannot be combined with "command"')] },
  'neither-command-nor-script.yaml': {
    errors: [e(2, 'nothing-to-run', 'command', 'needs either "command"', '"script"')],
  },
  'command-empty.yaml': { errors: [e(3, 'empty-command', 'command', 'must not be empty')] },
  'command-not-list.yaml': {
    errors: [e(3, 'shell-string', 'command', 'expected a list of arguments', '"python3 sync.py --days 3"')],
  },
  'command-bad-item.yaml': {
    errors: [e(3, 'bad-item', 'command[1]', 'expected a string or a number', '{"flag":true}')],
  },
  'script-missing.yaml': {
    errors: [
      e(
        3,
        'lost-script',
        'script',
        '"jobs/does-not-exist.mjs" not found',
        path.join(dir, 'jobs', 'does-not-exist.mjs'),
      ),
    ],
  },
  'script-not-js.yaml': {
    errors: [e(3, 'python-script', 'script', 'must be a JavaScript module', '"../scripts/sync.py"')],
  },
  'cwd-missing.yaml': {
    errors: [e(4, 'lost-cwd', 'cwd', '"no-such-folder" not found', path.join(dir, 'no-such-folder'))],
  },
  'cwd-is-file.yaml': { errors: [e(4, 'file-cwd', 'cwd', 'is not a folder', 'is a file')] },
  'env-bad-value.yaml': {
    errors: [e(4, 'env-object', 'env.LOG', 'expected a string, number or boolean', '{"level":"INFO"}')],
  },

  // Schedules and durations
  'cron-4-fields.yaml': { errors: [e(4, 'short-cron', 'schedule.cron', '"0 3 * *"', '4 field(s); use 5')] },
  'cron-7-fields.yaml': { errors: [e(4, 'long-cron', 'schedule.cron', '"0 0 3 * * * 2026"', '7 field(s)')] },
  'cron-out-of-range.yaml': { errors: [e(5, 'sync-orders', 'schedule.cron', '"61 * * * *"', 'minute must be 0-59')] },
  'timezone-bad.yaml': { errors: [e(4, 'mars-time', 'schedule.timezone', 'not an IANA time zone', '"Mars/Olympus"')] },
  'every-bad.yaml': { errors: [e(4, 'vague', 'schedule.every', 'invalid duration "ten minutes"')] },
  'every-bare-number.yaml': { errors: [e(4, 'no-unit', 'schedule.every', 'duration 30 has no unit')] },
  'timeout-negative.yaml': { errors: [e(4, 'negative-timeout', 'timeout', '"-5m" must be greater than zero')] },
  'at-bad-date.yaml': {
    errors: [e(4, 'no-such-day', 'schedule.at', 'expected an ISO date-time', '"2026-02-30T10:00:00Z"')],
  },
  'schedule-two-kinds.yaml': { errors: [e(6, 'undecided', 'schedule.every', 'cannot be combined with "cron"')] },
  'schedule-empty.yaml': { errors: [e(4, 'empty-schedule', 'schedule', 'must set one of "cron", "every" or "at"')] },
  'schedule-unknown-field.yaml': {
    errors: [e(6, 'tz-typo', 'schedule.timzone', "unknown field 'timzone' (did you mean 'timezone'?)")],
  },

  // Params
  'param-default-out-of-bounds.yaml': {
    errors: [e(5, 'sync-orders', 'params.days_back.default', 'default must be at most 90, got 120')],
  },
  'param-enum-no-values.yaml': { errors: [e(5, 'pick-mode', 'params.mode.values', 'is required for an enum param')] },
  'param-enum-default-not-in-values.yaml': {
    errors: [e(8, 'pick-mode', 'params.mode.default', 'must be one of "fast", "full", got "slow"')],
  },
  'param-bad-type.yaml': {
    errors: [e(5, 'dated', 'params.since.type', 'must be one of integer, number, string, boolean, enum', '"date"')],
  },
  'param-bad-name.yaml': { errors: [e(5, 'dashed-param', 'params.days-back', 'invalid param name "days-back"')] },
  'placeholder-unknown-param.yaml': {
    errors: [
      e(3, 'sync-orders', 'command[3]', 'placeholder "{{days}}" names no declared param', 'declared params: days_back'),
    ],
  },

  // Policies
  'retries-negative.yaml': { errors: [e(4, 'hopeful', 'retries.max', 'must be at least 0, got -1')] },
  'retries-bad-backoff.yaml': {
    errors: [e(6, 'hopeful', 'retries.backoff', 'must be one of fixed, exponential, got "linear"')],
  },
  'fatal-exit-codes-range.yaml': { errors: [e(4, 'exits', 'fatal_exit_codes[1]', 'must be at most 255, got 256')] },
  'overlap-bad.yaml': { errors: [e(4, 'overlapping', 'overlap', 'must be one of skip, queue, got "parallel"')] },
  'priority-bad.yaml': { errors: [e(4, 'urgent', 'priority', 'must be one of high, normal, low, got "urgent"')] },
  'webhook-not-url.yaml': {
    errors: [e(4, 'noisy', 'notify.webhook', 'http:// or https:// URL', '"chat.example/hooks/ops"')],
  },

  // Chains
  'chain-unknown.yaml': {
    errors: [e(4, 'sync-orders', 'on_success[0]', 'unknown job "export-invoices"', 'known jobs: sync-orders, ok-job')],
  },
  'chain-cycle.yaml': {
    errors: [e(4, 'a', 'on_success[0]', 'chain cycle a → b → a'), e(7, 'b', 'on_failure', 'chain cycle b → a → b')],
  },
  'chain-self.yaml': { errors: [e(4, 'again', 'on_failure[0]', 'chain cycle again → again')] },

  // Everything at once: every problem is reported, the valid job still applies.
  'several-errors.yaml': {
    errors: [
      e(4, 'messy', 'schedule.cron', '"0 25 * * *"', 'hour must be 0-23'),
      e(5, 'messy', 'timeout', 'duration 30 has no unit'),
      e(6, 'messy', 'priority', '"urgent"'),
      e(7, 'messy', 'retries.backoff', '"linear"'),
      e(8, 'messy', 'notfy', "did you mean 'notify'?"),
      e(9, null, 'id', '"Bad_Id"'),
      e(10, null, 'script', '"jobs/missing.mjs" not found'),
      e(15, 'chained', 'on_success[0]', 'unknown job "nowhere"'),
    ],
  },
};

describe('invalid jobs files', () => {
  it('has at least 30 fixtures, each with expectations', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.yaml'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(CASES).sort()).toEqual(files);
  });

  it.each(Object.entries(CASES))('%s', async (name, expected) => {
    const file = path.join(dir, name);
    const result = await loadJobsFile(file);

    expect(result.fatal).toBe(expected.fatal ?? false);
    expect(result.jobs.map((job) => job.id)).toEqual(expected.fatal ? [] : (expected.valid ?? ['ok-job']));
    expect(result.errors).toHaveLength(expected.errors.length);

    expected.errors.forEach((want, i) => {
      const got = result.errors[i]!;
      expect({ line: got.line, job_id: got.job_id, field: got.field }).toEqual({
        line: want.line,
        job_id: want.job_id,
        field: want.field,
      });
      expect(got.file).toBe(file);
      // The message alone names file, line, job and field.
      expect(got.message.startsWith(want.line === null ? `${name}:` : `${name}:${want.line}: `)).toBe(true);
      if (got.index !== null) expect(got.message).toContain(`jobs[${got.index}]`);
      if (got.job_id !== null) expect(got.message).toContain(`job "${got.job_id}"`);
      if (got.field !== null) expect(got.message).toContain(`field "${got.field}"`);
      for (const part of want.says) expect(got.message).toContain(part);
      // One line that ends with what is wrong: no dangling ":" where the parser's context used to follow.
      expect(got.message).not.toMatch(/[:\n]\s*$/);
    });

    // An entry with a readable id and an error is listed, unless its id belongs to a valid (first) entry.
    const validIds = new Set(result.jobs.map((job) => job.id));
    const withErrors = new Set(
      result.errors.map((error) => error.job_id).filter((id): id is string => id !== null && !validIds.has(id)),
    );
    expect(new Set(result.invalid_ids)).toEqual(withErrors);
  });
});
