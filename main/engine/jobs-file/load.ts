import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { coerceError } from '../../../contract/errors.js';
import type { ConfigError, JobDefinition, Schedule } from '../../../contract/model.js';
import { showValue } from '../params.js';
import { checkEntry } from './entry.js';
import { formatPath, isRecord, parseFields, type Path } from './fields.js';
import { checkChainCycles, checkChainTargets, checkDuplicateIds } from './graph.js';
import { lineOf } from './lines.js';
import { TOP_SHAPE } from './schema.js';
import { checkSchedule } from './sections.js';

/**
 * Loading a jobs file: YAML (or JSON) text in, validated JobDefinitions and
 * every problem (with its line and a message a person can act on) out.
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

interface ErrorSubject {
  index: number | null;
  id: string | null;
  field: string | null;
}

function makeError(file: string, line: number | null, subject: ErrorSubject, why: string): ConfigError {
  const where = `${path.basename(file)}${line === null ? '' : `:${line}`}`;
  const job =
    subject.index === null
      ? ''
      : subject.id === null
        ? `job at jobs[${subject.index}]`
        : `job "${subject.id}" (jobs[${subject.index}])`;
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

function fatalResult(file: string, errors: ConfigError[]): LoadResult {
  return { file, jobs: [], errors: errors.sort(byLine), invalid_ids: [], fatal: true };
}

function byLine(a: ConfigError, b: ConfigError): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

/**
 * One line for a YAML syntax error. The parser's pretty message is "<why> at
 * line L, column C:" followed by the offending text on the next lines; the line
 * is already in our prefix, so only the column stays, and no dangling colon.
 */
function yamlSyntaxMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0] ?? error.message;
  const why = first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
  const column = error.linePos?.[0].col;
  return `YAML syntax error${column === undefined ? '' : ` at column ${column}`}: ${why}`;
}

/** Parses and validates the text of a jobs file. `file` is its absolute path: for relative paths and messages. */
export function parseJobsText(text: string, file: string): LoadResult {
  const counter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: counter, merge: true, prettyErrors: true });
  const lineAt = (at: Path) => lineOf(doc, counter, at);
  const noSubject: ErrorSubject = { index: null, id: null, field: null };
  if (doc.errors.length > 0) {
    return fatalResult(
      file,
      doc.errors.map((e) => makeError(file, e.linePos?.[0].line ?? null, noSubject, yamlSyntaxMessage(e))),
    );
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (err) {
    return fatalResult(file, [makeError(file, null, noSubject, `cannot read the YAML: ${coerceError(err).message}`)]);
  }
  if (!isRecord(root)) {
    const why =
      root === null || root === undefined
        ? 'the file is empty: it needs a "jobs:" list (an empty list is fine: "jobs: []")'
        : `the top level must be an object with a "jobs:" list${Array.isArray(root) ? ' (put the list of jobs under "jobs:")' : ''}, got ${showValue(root)}`;
    return fatalResult(file, [makeError(file, lineAt([]), noSubject, why)]);
  }

  const errors: ConfigError[] = [];
  const top = parseFields(root, TOP_SHAPE, (at, why) =>
    errors.push(makeError(file, lineAt(at), { ...noSubject, field: formatPath(at) }, why)),
  );
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
      errors.push(
        makeError(
          file,
          lineAt(['jobs', entry.index, ...issue.path]),
          { index: entry.index, id: entry.id, field },
          issue.why,
        ),
      );
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
  const schedule = checkSchedule(input, (at, why) =>
    errors.push(`${where}: ${at.length > 0 ? `field "${formatPath(at)}": ` : ''}${why}`),
  );
  return { schedule: errors.length > 0 ? null : schedule, errors };
}
