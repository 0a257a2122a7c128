import type { LogLine } from '../../contract/model.js';
import { clockTime } from '../../contract/format.js';

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
