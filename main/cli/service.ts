import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { hostOptionsFrom, withServeOptions, type ServeArgs } from '../host/serve-options.js';
import {
  parseServiceState,
  serviceLayout,
  serviceSpec,
  type ServiceLayout,
  type ServicePlatform,
} from '../host/service.js';
import { collect, parseParamArgs } from './arguments.js';
import { EXIT, UsageError } from './errors.js';
import type { CliIo } from './format.js';

/**
 * `jobtray service install | uninstall | status`: writes the service file of
 * this platform (main/host/service.ts builds it) and loads it with the
 * platform's tool — or, where that tool is missing, prints the exact commands.
 */

type Say = (text: string) => void;

function servicePlatform(): ServicePlatform {
  const platform = process.platform;
  if (platform === 'linux' || platform === 'darwin' || platform === 'win32') return platform;
  throw new UsageError(
    `jobtray service supports Linux (systemd), macOS (launchd) and Windows (Task Scheduler), not ${platform}; run "jobtray serve" under your own supervisor instead`,
  );
}

/** The file of `name` on PATH that can be run, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const candidate of names.map((n) => path.join(dir, n))) {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** A command as a person would type it (POSIX shell quoting; Windows users read it the same way). */
function commandText(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function layoutFor(io: CliIo, args: ServeArgs, env: Record<string, string>): ServiceLayout {
  const home = io.env.HOME || io.env.USERPROFILE || os.homedir();
  const spec = serviceSpec(hostOptionsFrom(args, io.env), env);
  return serviceLayout(servicePlatform(), spec, home, io.env, process.getuid?.() ?? 0);
}

/** Runs `commands` in order; on the first failure says what failed and which commands are left to run by hand. */
function runCommands(io: CliIo, commands: string[][], say: Say): boolean {
  for (const [i, command] of commands.entries()) {
    const [file = '', ...rest] = command;
    const result = spawnSync(file, rest, { encoding: 'utf8', env: io.env });
    if (result.status === 0) {
      say(`Ran: ${commandText(command)}`);
      continue;
    }
    const why = result.error?.message ?? (result.stderr.trim() || result.stdout.trim() || `exit code ${result.status}`);
    io.stderr.write(
      `${commandText(command)} failed: ${why}\nRun these once it can work (e.g. in a login session):\n${commands
        .slice(i)
        .map((c) => `  ${commandText(c)}\n`)
        .join('')}`,
    );
    return false;
  }
  return true;
}

function installService(io: CliIo, options: ServeArgs & { env: string[]; json?: boolean }, say: Say): number {
  const env = {
    ...(io.env.PATH ? { PATH: io.env.PATH } : {}),
    ...parseParamArgs(options.env, '--env', 'LOG_LEVEL=INFO'),
  };
  const layout = layoutFor(io, options, env);
  fs.mkdirSync(path.dirname(layout.file), { recursive: true });
  fs.writeFileSync(layout.file, layout.utf16 ? Buffer.from(`\ufeff${layout.content}`, 'utf16le') : layout.content, {
    mode: 0o644,
  });
  say(`Wrote ${layout.file}`);
  const tool = findOnPath(layout.tool, io.env);
  let loaded = false;
  if (tool === null) {
    say(
      `${layout.tool} was not found on PATH; load the service with:\n${layout.install.map((c) => `  ${commandText(c)}`).join('\n')}`,
    );
  } else if (!runCommands(io, layout.install, say)) {
    return EXIT.failed;
  } else {
    loaded = true;
    say('Jobtray runs as a service now.');
    for (const note of layout.notes) say(note);
  }
  if (options.json)
    io.stdout.write(
      `${JSON.stringify({ platform: layout.platform, file: layout.file, loaded, install: layout.install }, null, 2)}\n`,
    );
  return EXIT.ok;
}

function uninstallService(io: CliIo, say: Say): number {
  const layout = layoutFor(io, {}, {});
  if (!fs.existsSync(layout.file)) {
    say(`Not installed: ${layout.file} does not exist.`);
    return EXIT.ok;
  }
  const tool = findOnPath(layout.tool, io.env);
  if (tool === null)
    say(
      `${layout.tool} was not found on PATH; if the service is loaded, stop it with:\n${layout.uninstall.map((c) => `  ${commandText(c)}`).join('\n')}`,
    );
  else if (!runCommands(io, layout.uninstall, say)) return EXIT.failed;
  fs.rmSync(layout.file);
  say(`Removed ${layout.file}`);
  // systemd keeps a removed unit in memory until it reloads.
  if (tool !== null && layout.platform === 'linux' && !runCommands(io, [['systemctl', '--user', 'daemon-reload']], say))
    return EXIT.failed;
  return EXIT.ok;
}

function serviceStatus(io: CliIo, json: boolean, say: Say): number {
  const layout = layoutFor(io, {}, {});
  const installed = fs.existsSync(layout.file);
  let state: string;
  if (findOnPath(layout.tool, io.env) === null) state = `unknown (${layout.tool} not found on PATH)`;
  else {
    const [file = '', ...rest] = layout.status;
    const result = spawnSync(file, rest, { encoding: 'utf8', env: io.env });
    state = parseServiceState(layout.platform, result.status, result.stdout ?? '');
  }
  if (json)
    io.stdout.write(`${JSON.stringify({ platform: layout.platform, file: layout.file, installed, state }, null, 2)}\n`);
  say(`Service file: ${layout.file} (${installed ? 'installed' : 'not installed'})`);
  say(`State: ${state}`);
  return EXIT.ok;
}

/** Adds `jobtray service …` to the program. */
export function addServiceCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const service = program
    .command('service')
    .description(
      'run Jobtray as a user service that starts at login and restarts on failure (systemd, launchd or Task Scheduler)',
    );
  const sayUnlessJson =
    (json: boolean | undefined): Say =>
    (text) => {
      if (!json) io.stdout.write(`${text}\n`);
    };
  withServeOptions(
    service.command('install').description('write the service file for "jobtray serve" with these options and load it'),
  )
    .option(
      '--env <name=value>',
      "an environment variable of the service (repeatable); PATH is this shell's",
      collect,
      [],
    )
    .option('--json', 'print the result as JSON')
    .action((options: ServeArgs & { env: string[]; json?: boolean }) =>
      setExit(installService(io, options, sayUnlessJson(options.json))),
    );
  service
    .command('uninstall')
    .description('stop the service and remove its file')
    .action(() => setExit(uninstallService(io, sayUnlessJson(false))));
  service
    .command('status')
    .description('whether the service file is installed and the service runs')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      setExit(serviceStatus(io, options.json === true, sayUnlessJson(options.json))),
    );
}
