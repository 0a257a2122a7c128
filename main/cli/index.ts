import { CommanderError } from 'commander';
import { JobtrayError } from '../../contract/errors.js';
import { buildProgram } from './commands.js';
import { EXIT, UsageError } from './errors.js';
import type { CliIo } from './format.js';

export type { CliIo, OutStream } from './format.js';

/**
 * The `jobtray` CLI. Runs one command and resolves with the process exit
 * code: 0 success, 1 failure (including a waited-for run that did not
 * succeed), 2 a usage error, 130 a wait stopped with Ctrl+C. Expected errors
 * are one readable line on stderr, never a stack trace.
 */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n(add --help for usage)\n`);
    return EXIT.usage;
  }
  if (error instanceof JobtrayError) {
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: ${message}\n`);
  if (io.env.JOBTRAY_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT.failed;
}
