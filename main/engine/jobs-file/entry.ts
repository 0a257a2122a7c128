import type { JobDefinition, JobKind } from '../../../contract/model.js';
import { showValue } from '../params.js';
import { isRecord, parseFields, under, type Path, type Report } from './fields.js';
import { JOB_SHAPE } from './schema.js';
import {
  checkCwd,
  checkNotify,
  checkParams,
  checkPlaceholders,
  checkRetries,
  checkSchedule,
  checkScript,
} from './sections.js';

/**
 * One entry of the `jobs:` list: every field and section checked, then the
 * JobDefinition built when nothing is wrong. Cross-job checks (graph.ts) may
 * still add issues to an entry that built.
 */

export const CHAIN_FIELDS = ['on_success', 'on_failure'] as const;
type ChainField = (typeof CHAIN_FIELDS)[number];

/** command xor script. */
function checkKind(raw: Record<string, unknown>, report: Report): JobKind | null {
  const hasCommand = raw.command !== undefined && raw.command !== null;
  const hasScript = raw.script !== undefined && raw.script !== null;
  if (hasCommand && hasScript) {
    report(
      ['script'],
      'cannot be combined with "command": a job runs either a command (argv list) or a script (JS module), not both',
    );
    return null;
  }
  if (!hasCommand && !hasScript) {
    report(
      ['command'],
      'is missing: a job needs either "command" (an argv list such as [python3, sync.py]) or "script" (a .js/.mjs/.cjs module)',
    );
    return null;
  }
  return hasCommand ? 'command' : 'script';
}

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

export interface Entry {
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

export function checkEntry(raw: unknown, index: number, baseDir: string): Entry {
  const issues: Issue[] = [];
  const report: Report = (path, why) => issues.push({ path, why });
  const entry: Entry = { index, id: null, issues, chains: { on_success: [], on_failure: [] }, definition: null };
  if (!isRecord(raw)) {
    report([], `must be an object with an "id" and a "command" or "script", got ${showValue(raw)}`);
    return entry;
  }
  const { values: v } = parseFields(raw, JOB_SHAPE, report);
  entry.id = v.id ?? null;
  entry.chains = {
    on_success: chainLinks(raw, 'on_success', v.on_success),
    on_failure: chainLinks(raw, 'on_failure', v.on_failure),
  };

  const kind = checkKind(raw, report);
  const params = checkParams(raw.params, under(report, ['params']));
  // Placeholders are checked against the declared names, even when a spec is broken, so both problems show.
  if (v.command)
    checkPlaceholders(v.command, isRecord(raw.params) ? Object.keys(raw.params) : [], under(report, ['command']));
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
