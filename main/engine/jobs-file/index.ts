/**
 * The jobs file (README "The jobs file"): YAML (or JSON) in, validated
 * JobDefinitions out, with every problem reported at once.
 *
 * How validation works: each object of the file (the top level, a job, its
 * schedule, retries, notify and each param) is checked field by field
 * (fields.ts, with the schemas of schema.ts), so one bad field never hides
 * another. Checks that span fields (sections.ts, entry.ts) and jobs (graph.ts)
 * run on what parsed. Problems carry a path; the path gives the line
 * (lines.ts) and the `field` of the ConfigError (load.ts).
 */
export { loadJobsFile, parseJobsText, parseSchedule, type LoadResult } from './load.js';
export { ensureJobsFile } from './template.js';
