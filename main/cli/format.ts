import type { LogLine, RunRecord } from '../../contract/model.js';
import { formatDuration } from '../../contract/durations.js';

/** Where the CLI writes: `process.stdout`/`stderr`, or a test's capturing stream. */
export interface OutStream {
  write(chunk: string): unknown;
  /** Colours, and the progress bar redrawn in place, only on a terminal. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
}

const COLOURS = { red: 31, yellow: 33, green: 32, dim: 2 } as const;
export type Colour = keyof typeof COLOURS;

/** ANSI colour on a terminal; plain text anywhere else (pipes, files, tests). */
export function paint(stream: OutStream, colour: Colour, text: string): string {
  return stream.isTTY ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `HH:MM:SS` when `ms` falls on the same local day as `now`, else `YYYY-MM-DD HH:MM`. */
export function shortTime(ms: number | null, now = Date.now()): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return clockTime(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export function duration(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

/** Left-aligned columns separated by two spaces; the header row first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `HH:MM:SS stream level message`; stderr, warnings and errors coloured on a terminal. */
export function formatLogLine(line: LogLine, stream: OutStream): string {
  const text = `${clockTime(line.ts)} ${line.stream.padEnd(8)} ${line.level.padEnd(5)} ${line.message}`;
  if (line.level === 'error') return paint(stream, 'red', text);
  if (line.level === 'warn' || line.stream === 'stderr') return paint(stream, 'yellow', text);
  return text;
}

/** One sentence on how a run ended: "Run 12 (sync-orders) failed after 2s: exit code 1". */
export function describeOutcome(run: RunRecord): string {
  const who = `Run ${run.id} (${run.job_id}, attempt ${run.attempt}/${run.max_attempts})`;
  if (run.state === 'skipped') return `${who} was skipped: ${run.reason ?? 'no reason recorded'}`;
  const took = run.duration_ms === null ? '' : run.state === 'succeeded' ? ` in ${duration(run.duration_ms)}` : ` after ${duration(run.duration_ms)}`;
  const why = run.error ?? (run.state === 'succeeded' ? null : run.reason);
  return `${who} ${run.state.replace('_', ' ')}${took}${why ? `: ${why}` : ''}`;
}

/** A run's progress as `40% Importing orders` (state when no step was reported). */
export function progressText(run: Pick<RunRecord, 'progress' | 'step' | 'state'>): string {
  const pct = run.progress === null ? '' : `${Math.round(run.progress)}% `;
  return `${pct}${run.step ?? run.state.replace('_', ' ')}`;
}
