import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { defaultDataDir } from './data-dir.js';
import type { HostOptions } from './host.js';

/**
 * The options of the headless host, defined once: `jobtray serve` (main/cli)
 * and `npm start` (main/start.ts) both add them with withServeOptions, so the
 * two commands cannot drift apart.
 */

/** What commander hands the action of a command built with withServeOptions. */
export interface ServeArgs {
  dataDir?: string;
  jobs?: string;
  port?: number;
  moveDamagedDb?: boolean;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535)
    throw new InvalidArgumentError('the port must be a whole number from 0 to 65535 (0 = any free port).');
  return port;
}

/** Adds the host's options to `command`. */
export function withServeOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (default: JOBTRAY_DATA_DIR or the OS data dir)')
    .option('--jobs <file>', 'jobs file (default: jobs.yaml in the data directory)')
    .option('--port <n>', 'Local API port on 127.0.0.1 (0 = any free port; default: the api_port setting)', parsePort)
    .option(
      '--move-damaged-db',
      'if the database is damaged, rename it (and its -wal/-shm) aside with a timestamp and start with an empty one; nothing is deleted',
    );
}

/** The host's options from parsed serve options; relative paths resolve against the current directory. */
export function hostOptionsFrom(
  args: ServeArgs,
  env: NodeJS.ProcessEnv,
): Pick<HostOptions, 'dataDir' | 'jobsFile' | 'port' | 'moveDamagedDb'> {
  return {
    dataDir: args.dataDir ? path.resolve(args.dataDir) : defaultDataDir(env),
    ...(args.jobs ? { jobsFile: path.resolve(args.jobs) } : {}),
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(args.moveDamagedDb ? { moveDamagedDb: true } : {}),
  };
}

export type StartArgs = { kind: 'serve'; args: ServeArgs } | { kind: 'exit'; code: number };

/**
 * `npm start -- [options]`: the serve options, nothing else. An unknown option
 * or a stray argument is refused with a usage line (exit code 2), `--help`
 * prints the options (exit code 0). Output goes to `write`, never to the process.
 */
export function parseStartArgs(
  argv: string[],
  write: { out: (text: string) => void; err: (text: string) => void },
): StartArgs {
  let parsed: ServeArgs = {};
  const program = withServeOptions(new Command('npm start'))
    .option('--no-open', 'do not open the dashboard in the default browser (also JOBTRAY_NO_OPEN=1)')
    .description(
      'Starts Jobtray: the tray app where Electron and a display exist, else the headless host (same options as "jobtray serve").',
    )
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: write.err })
    .action((options: ServeArgs) => {
      parsed = options;
    });
  // The usage line is generated from the options above (npm passes what follows "--").
  program.usage(`-- ${program.options.map((option) => `[${option.flags}]`).join(' ')}`);
  program.showHelpAfterError(`Usage: ${program.name()} ${program.usage()}`);
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { kind: 'exit', code: error.exitCode === 0 ? 0 : 2 };
    throw error;
  }
  return { kind: 'serve', args: parsed };
}
