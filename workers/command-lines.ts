import { LOG_LEVELS, type LogLevel } from '../contract/model.js';

/**
 * What one line of a command job's output means. Any language can report
 * progress and attach files by printing these lines (README "The jobs file"):
 *
 *   ::progress 40 Importing orders     percent 40 (also `40%`, `12.5`), step "Importing orders"
 *   ::progress - Importing orders      step only (so is `::progress Importing orders`)
 *   ::artifact export.csv ./out/x.csv  attach a file; the path is relative to the job's cwd
 *   ::log warn disk almost full        a log line with that level (also `::warn msg`, `::error msg`, …)
 *
 * Every other line, including a malformed directive, is a plain log line.
 */
export type CommandLine =
  | { kind: 'progress'; percent: number | null; step: string | null }
  | { kind: 'artifact'; name: string; path: string }
  | { kind: 'log'; level: LogLevel; message: string };

/** A percent token: `40`, `40%`, `12.5`, `-3` (clamped later by the progress reporter). */
const PERCENT = /^-?\d+(?:\.\d+)?%?$/;
/** A token that looks like a number but is not a valid percent (`4x0`, `12.5.1`) makes the line malformed. */
const NUMBER_LIKE = /^-?\d/;

/**
 * Parses one output line. `plainLevel` is the level of a plain line (the
 * worker passes `info` for stdout and `warn` for stderr). Pure.
 */
export function parseCommandLine(line: string, plainLevel: LogLevel = 'info'): CommandLine {
  const plain: CommandLine = { kind: 'log', level: plainLevel, message: line };
  if (!line.startsWith('::')) return plain;
  const [directive, rest] = splitFirst(line.slice(2));
  switch (directive) {
    case 'progress':
      return parseProgress(rest) ?? plain;
    case 'artifact':
      return parseArtifact(rest) ?? plain;
    case 'log': {
      const [level, message] = splitFirst(rest);
      return isLogLevel(level) ? { kind: 'log', level, message } : plain;
    }
    default:
      return isLogLevel(directive) ? { kind: 'log', level: directive, message: rest } : plain;
  }
}

function parseProgress(rest: string): CommandLine | null {
  if (rest === '') return null;
  const [first, after] = splitFirst(rest);
  if (first === '-') return { kind: 'progress', percent: null, step: after || null };
  if (PERCENT.test(first)) {
    return { kind: 'progress', percent: Number(first.replace('%', '')), step: after || null };
  }
  if (NUMBER_LIKE.test(first)) return null;
  return { kind: 'progress', percent: null, step: rest };
}

function parseArtifact(rest: string): CommandLine | null {
  const [name, path] = splitFirst(rest);
  return name && path ? { kind: 'artifact', name, path } : null;
}

/** Splits at the first run of whitespace; both parts trimmed. */
function splitFirst(text: string): [string, string] {
  const trimmed = text.trim();
  const match = /\s+/.exec(trimmed);
  if (!match) return [trimmed, ''];
  return [trimmed.slice(0, match.index), trimmed.slice(match.index + match[0].length)];
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Longest line passed on as one log line; longer ones are split (bytes, before decoding). */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Turns a byte stream into lines: handles `\n` and `\r\n`, chunks that end in
 * the middle of a line or of a UTF-8 character, lines longer than
 * MAX_LINE_BYTES (split at a character boundary) and invalid UTF-8 (decoded
 * with U+FFFD). `end()` emits a last line that has no newline.
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline !== -1) {
      this.emitLines(data.subarray(0, lastNewline));
      data = data.subarray(lastNewline + 1);
    }
    while (data.length > MAX_LINE_BYTES) {
      const cut = characterBoundary(data, MAX_LINE_BYTES);
      this.emit(data.subarray(0, cut));
      data = data.subarray(cut);
    }
    // Copy so the (possibly large) chunk this slice points into can be freed.
    this.pending = Buffer.from(data);
  }

  end(): void {
    if (this.pending.length > 0) this.emitLine(this.pending);
    this.pending = Buffer.alloc(0);
  }

  /**
   * Emits the complete lines in `bytes` (joined by newlines, no final one).
   * They are decoded in one go (a newline is never inside a UTF-8 sequence,
   * so this decodes as line by line would); only a block that may hold an
   * over-long line goes line by line, to split it at the byte limit. A
   * decoded line of n UTF-16 units came from at most 3n bytes.
   */
  private emitLines(bytes: Buffer): void {
    const lines = this.decoder.decode(bytes).split('\n');
    if (bytes.length > MAX_LINE_BYTES && lines.some((line) => line.length * 3 > MAX_LINE_BYTES)) {
      this.emitLinesOneByOne(bytes);
      return;
    }
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  private emitLinesOneByOne(bytes: Buffer): void {
    let start = 0;
    for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, start)) {
      this.emitLine(bytes.subarray(start, newline));
      start = newline + 1;
    }
    this.emitLine(bytes.subarray(start));
  }

  private emitLine(bytes: Buffer): void {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    let line = bytes.subarray(0, end);
    while (line.length > MAX_LINE_BYTES) {
      const cut = characterBoundary(line, MAX_LINE_BYTES);
      this.emit(line.subarray(0, cut));
      line = line.subarray(cut);
    }
    this.emit(line);
  }

  private emit(bytes: Buffer): void {
    this.onLine(this.decoder.decode(bytes));
  }
}

/**
 * The largest index <= `limit` that does not fall inside a UTF-8 sequence
 * (continuation bytes are 10xxxxxx). Falls back to `limit` for invalid data
 * that has no boundary near it.
 */
function characterBoundary(bytes: Buffer, limit: number): number {
  for (let index = limit; index > limit - 4 && index > 0; index--) {
    const byte = bytes[index];
    if (byte === undefined || (byte & 0xc0) !== 0x80) return index;
  }
  return limit;
}
