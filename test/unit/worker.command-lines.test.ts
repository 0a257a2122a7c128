import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES, parseCommandLine, type CommandLine } from '../../workers/command-lines.js';

describe('parseCommandLine', () => {
  const cases: [string, CommandLine][] = [
    ['::progress 40 Importing orders', { kind: 'progress', percent: 40, step: 'Importing orders' }],
    ['::progress 40% Importing', { kind: 'progress', percent: 40, step: 'Importing' }],
    ['::progress 12.5', { kind: 'progress', percent: 12.5, step: null }],
    ['::progress   7   spaced   out  ', { kind: 'progress', percent: 7, step: 'spaced   out' }],
    ['::progress - Only a step', { kind: 'progress', percent: null, step: 'Only a step' }],
    ['::progress Uploading files', { kind: 'progress', percent: null, step: 'Uploading files' }],
    ['::progress abc', { kind: 'progress', percent: null, step: 'abc' }],
    ['::progress 4x0 step', { kind: 'log', level: 'info', message: '::progress 4x0 step' }],
    ['::progress 12.5.1', { kind: 'log', level: 'info', message: '::progress 12.5.1' }],
    ['::progress', { kind: 'log', level: 'info', message: '::progress' }],
    ['::artifact export.csv ./out/export.csv', { kind: 'artifact', name: 'export.csv', path: './out/export.csv' }],
    ['::artifact report.pdf ./my reports/r.pdf', { kind: 'artifact', name: 'report.pdf', path: './my reports/r.pdf' }],
    ['::artifact lonely-name', { kind: 'log', level: 'info', message: '::artifact lonely-name' }],
    ['::log warn disk almost full', { kind: 'log', level: 'warn', message: 'disk almost full' }],
    ['::log loud nope', { kind: 'log', level: 'info', message: '::log loud nope' }],
    ['::warn low disk', { kind: 'log', level: 'warn', message: 'low disk' }],
    ['::error upstream down', { kind: 'log', level: 'error', message: 'upstream down' }],
    ['::debug detail', { kind: 'log', level: 'debug', message: 'detail' }],
    ['::unknown thing', { kind: 'log', level: 'info', message: '::unknown thing' }],
    ['Fetched 120 orders', { kind: 'log', level: 'info', message: 'Fetched 120 orders' }],
    ['  ::progress 10 indented', { kind: 'log', level: 'info', message: '  ::progress 10 indented' }],
    ['', { kind: 'log', level: 'info', message: '' }],
  ];

  it.each(cases)('%j', (line, expected) => {
    expect(parseCommandLine(line)).toEqual(expected);
  });

  it('gives plain lines the level the caller passes (warn for stderr)', () => {
    expect(parseCommandLine('Traceback (most recent call last):', 'warn')).toEqual({
      kind: 'log',
      level: 'warn',
      message: 'Traceback (most recent call last):',
    });
  });
});

describe('LineSplitter', () => {
  function split(chunks: (string | Buffer)[]): string[] {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    splitter.end();
    return lines;
  }

  it('splits on \\n and \\r\\n across chunks and keeps a last line without newline', () => {
    expect(split(['one\r\ntw', 'o\n\nthr', 'ee'])).toEqual(['one', 'two', '', 'three']);
  });

  it('keeps a UTF-8 character split between chunks intact', () => {
    const bytes = Buffer.from('grüße\n');
    expect(split([bytes.subarray(0, 3), bytes.subarray(3)])).toEqual(['grüße']);
  });

  it('decodes invalid UTF-8 with replacement characters', () => {
    expect(split([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])])).toEqual(['a\uFFFD\uFFFDb']);
  });

  it('splits a line longer than 64 KiB at a character boundary', () => {
    const long = 'é'.repeat(MAX_LINE_BYTES); // 2 bytes each
    const lines = split([long.slice(0, 10_000), long.slice(10_000), '\n']);
    expect(lines.join('')).toBe(long);
    expect(lines.every((line) => Buffer.byteLength(line) <= MAX_LINE_BYTES)).toBe(true);
    expect(lines.some((line) => line.includes('\uFFFD'))).toBe(false);
    expect(lines).toHaveLength(2);
  });
});
