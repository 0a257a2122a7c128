import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Shared pieces of `npm run bench`: statistics, the result table, and loud
 * failure when a measurement breaks (no silent zeros).
 */

export interface BenchRow {
  metric: string;
  /** Jobtray's figure. */
  jobtray: number;
  /** The baseline measured in the same run (null when the metric has none of its own, e.g. an absolute goal). */
  baseline: number | null;
  baselineLabel: string;
  unit: string;
  /** Human goal, e.g. "≤ 1.15× bare", "≤ 20 ms". */
  goal: string;
  /** Whether the goal is met. */
  pass: boolean;
}

export interface BenchResult {
  id: string;
  title: string;
  rows: BenchRow[];
  notes: string[];
}

export type Bench = () => Promise<BenchResult>;

/** Throws unless `value` is a finite positive number: a broken measurement must fail the run. */
export function measured(what: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`measurement broken: ${what} = ${value}`);
  return value;
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) throw new Error('measurement broken: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

export function ratio(a: number, b: number): number {
  return measured('ratio numerator', a) / measured('ratio denominator', b);
}

/** High-resolution wall-clock time in ms, comparable across worker threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `jobtray-bench-${prefix}-`));
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

function fmt(n: number | null, unit: string): string {
  if (n === null) return '—';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/** The table every benchmark prints: figure, baseline, ratio, goal. */
export function renderTable(result: BenchResult): string {
  const header = ['metric', 'Jobtray', 'baseline', 'ratio', 'goal', ''];
  const rows = result.rows.map((r) => [
    r.metric,
    fmt(r.jobtray, r.unit),
    r.baseline === null ? '—' : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`,
    // A baseline of 0 (an idle process's CPU) has no meaningful ratio.
    r.baseline === null || r.baseline === 0 ? '—' : `${(r.jobtray / r.baseline).toFixed(2)}×`,
    r.goal,
    r.pass ? 'ok' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `### ${result.id} — ${result.title}`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    ...(result.notes.length ? ['', ...result.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}
