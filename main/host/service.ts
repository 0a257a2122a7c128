import path from 'node:path';
import { packageRoot } from '../engine/paths.js';
import type { HostOptions } from './host.js';

/**
 * `jobtray service install | uninstall | status`: the headless host as a user
 * service that starts at login (or boot) and restarts on failure — what PM2
 * did in the setups Jobtray replaces. This module is pure: it builds the
 * service file and the commands that load it; main/cli/service.ts writes the
 * file and runs them.
 *
 * The service runs `node …/bin/jobtray.js serve` itself, never through npm or
 * npx: npm does not forward SIGTERM, so a supervisor stopping npm would leave
 * the host and its jobs running, re-parented to init.
 */

export type ServicePlatform = 'linux' | 'darwin' | 'win32';

export interface ServiceSpec {
  /** Absolute path of the Node binary (process.execPath). */
  node: string;
  /** Absolute path of Jobtray's bin/jobtray.js. */
  bin: string;
  /** Arguments after bin/jobtray.js: `serve` and its options (serveArguments). */
  args: string[];
  /** Absolute; the service's working directory, and where launchd writes its output. */
  dataDir: string;
  /** Environment of the host (systemd and launchd; a Windows task inherits the user's). */
  env: Record<string, string>;
}

export interface ServiceLayout {
  platform: ServicePlatform;
  /** Where the service file goes. */
  file: string;
  /** Its content (written UTF-8, or UTF-16 with a byte order mark where `utf16` says so). */
  content: string;
  utf16: boolean;
  /** The tool that loads services on this platform, looked up on PATH. */
  tool: string;
  /** Run in order after writing the file. */
  install: string[][];
  /** Run in order before removing the file. */
  uninstall: string[][];
  /** Its output says whether the service runs (parseServiceState). */
  status: string[];
  /** Said after a successful install. */
  notes: string[];
}

export const SYSTEMD_UNIT = 'jobtray.service';
export const LAUNCHD_LABEL = 'io.jobtray.host';
export const WINDOWS_TASK = 'Jobtray';
/** systemd and launchd allow this long between SIGTERM and SIGKILL: the host's own graceful stop takes kill_grace_ms (5 s by default) plus closing. */
const STOP_TIMEOUT_S = 60;

/** `serve` and the options that reproduce `options` (paths absolute). */
export function serveArguments(
  options: Pick<HostOptions, 'dataDir' | 'jobsFile' | 'port' | 'moveDamagedDb'>,
): string[] {
  return [
    'serve',
    '--data-dir',
    path.resolve(options.dataDir),
    ...(options.jobsFile ? ['--jobs', path.resolve(options.jobsFile)] : []),
    ...(options.port === undefined ? [] : ['--port', String(options.port)]),
    ...(options.moveDamagedDb ? ['--move-damaged-db'] : []),
  ];
}

/** The spec of this Jobtray: this Node binary and this checkout's bin/jobtray.js, with `serve` and the options given. */
export function serviceSpec(
  options: Pick<HostOptions, 'dataDir' | 'jobsFile' | 'port' | 'moveDamagedDb'>,
  env: Record<string, string>,
): ServiceSpec {
  return {
    node: process.execPath,
    bin: path.join(packageRoot(), 'bin', 'jobtray.js'),
    args: serveArguments(options),
    dataDir: path.resolve(options.dataDir),
    env,
  };
}

/** The service file and commands of `platform`; `home` is the user's home directory, `uid` their user id (launchd). */
export function serviceLayout(
  platform: ServicePlatform,
  spec: ServiceSpec,
  home: string,
  env: NodeJS.ProcessEnv,
  uid: number,
): ServiceLayout {
  if (platform === 'darwin') {
    const file = path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const domain = `gui/${uid}`;
    return {
      platform,
      file,
      content: launchdPlist(spec),
      utf16: false,
      tool: 'launchctl',
      install: [['launchctl', 'bootstrap', domain, file]],
      uninstall: [['launchctl', 'bootout', domain, file]],
      status: ['launchctl', 'print', `${domain}/${LAUNCHD_LABEL}`],
      notes: [`It starts at login and restarts when it fails. Its output goes to ${path.join(spec.dataDir, 'logs')}.`],
    };
  }
  if (platform === 'win32') {
    const file = path.win32.join(spec.dataDir, 'jobtray-task.xml');
    return {
      platform,
      file,
      content: windowsTaskXml(spec),
      utf16: true,
      tool: 'schtasks',
      install: [
        ['schtasks', '/Create', '/TN', WINDOWS_TASK, '/XML', file, '/F'],
        ['schtasks', '/Run', '/TN', WINDOWS_TASK],
      ],
      uninstall: [
        ['schtasks', '/End', '/TN', WINDOWS_TASK],
        ['schtasks', '/Delete', '/TN', WINDOWS_TASK, '/F'],
      ],
      status: ['schtasks', '/Query', '/TN', WINDOWS_TASK, '/FO', 'LIST'],
      notes: [
        'It starts at logon and is restarted (every minute, up to 999 times) when it fails. Stopping the task ends the host without its graceful stop; stop it with Ctrl+C in a console instead when runs are in progress.',
      ],
    };
  }
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return {
    platform,
    file: path.join(configHome, 'systemd', 'user', SYSTEMD_UNIT),
    content: systemdUnit(spec),
    utf16: false,
    tool: 'systemctl',
    install: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT],
    ],
    uninstall: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT]],
    status: ['systemctl', '--user', 'is-active', SYSTEMD_UNIT],
    notes: [
      'It starts at login and restarts when it fails; its output is in: journalctl --user -u jobtray',
      'To start it at boot without logging in: loginctl enable-linger "$USER"',
    ],
  };
}

/** Whether the service runs, from the output of `layout.status` (exit code and stdout). */
export function parseServiceState(platform: ServicePlatform, status: number | null, stdout: string): string {
  if (platform === 'darwin') {
    if (status !== 0) return 'not loaded';
    return /^\s*state = (\S+)/m.exec(stdout)?.[1] ?? 'loaded';
  }
  if (platform === 'win32') {
    if (status !== 0) return 'not registered';
    return /^Status:\s+(.+?)\s*$/m.exec(stdout)?.[1]?.toLowerCase() ?? 'registered';
  }
  // is-active prints active, inactive, failed, activating, … (and exits non-zero for all but active).
  return stdout.trim().split('\n')[0] || 'unknown';
}

// ───────────────────────────── systemd ─────────────────────────────

/**
 * A word of ExecStart=, quoted: systemd expands `%` specifiers and `$`
 * variables there, and reads C-style escapes inside double quotes.
 */
function systemdWord(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** A double-quoted assignment of Environment=: C-style escapes inside quotes, `%` specifiers expanded, `$` literal. */
function systemdAssignment(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** A path setting (WorkingDirectory=) is taken literally apart from `%` specifiers. */
function systemdPath(value: string): string {
  return value.replace(/%/g, '%%');
}

/**
 * The systemd user unit. KillMode=mixed: SIGTERM goes to the host alone,
 * which stops its runs through its own kill path (graceful, then SIGKILL to
 * every tree); whatever is still in the unit's cgroup after TimeoutStopSec
 * gets SIGKILL from systemd.
 */
export function systemdUnit(spec: ServiceSpec): string {
  const values = [spec.node, spec.bin, ...spec.args, spec.dataDir, ...Object.entries(spec.env).flat()];
  const multiline = values.find((value) => /[\r\n]/.test(value));
  if (multiline !== undefined)
    throw new Error(`a systemd unit cannot hold a value with a line break: ${JSON.stringify(multiline)}`);
  const env = Object.entries(spec.env).map(([key, value]) => `Environment=${systemdAssignment(`${key}=${value}`)}`);
  return [
    '[Unit]',
    'Description=Jobtray headless host (recurring local jobs, Local API and dashboard)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[spec.node, spec.bin, ...spec.args].map(systemdWord).join(' ')}`,
    `WorkingDirectory=${systemdPath(spec.dataDir)}`,
    ...env,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${STOP_TIMEOUT_S}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

// ───────────────────────────── launchd ─────────────────────────────

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The launchd agent: loaded at login (RunAtLoad), started again when it exits unsuccessfully (KeepAlive). */
export function launchdPlist(spec: ServiceSpec): string {
  const string = (value: string) => `<string>${xml(value)}</string>`;
  const logs = path.join(spec.dataDir, 'logs');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.bin, ...spec.args].map((arg) => `    ${string(arg)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...Object.entries(spec.env).map(([key, value]) => `    <key>${xml(key)}</key>${string(value)}`),
    '  </dict>',
    `  <key>WorkingDirectory</key>${string(spec.dataDir)}`,
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key><false/>',
    '  </dict>',
    `  <key>ExitTimeOut</key><integer>${STOP_TIMEOUT_S}</integer>`,
    `  <key>StandardOutPath</key>${string(path.join(logs, 'service.out.log'))}`,
    `  <key>StandardErrorPath</key>${string(path.join(logs, 'service.err.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

// ───────────────────────────── Windows ─────────────────────────────

/** One argument of a Windows command line, quoted the way the C runtime parses it. */
export function windowsArgument(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  // Backslashes are literal unless they precede a quote: double those, then escape the quote.
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** The Task Scheduler task (schtasks /Create /XML): at logon, restarted on failure, no time limit. */
export function windowsTaskXml(spec: ServiceSpec): string {
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Description>Jobtray headless host (recurring local jobs, Local API and dashboard)</Description>',
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger><Enabled>true</Enabled></LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author"><LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <Enabled>true</Enabled>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xml(spec.node)}</Command>`,
    `      <Arguments>${xml([spec.bin, ...spec.args].map(windowsArgument).join(' '))}</Arguments>`,
    `      <WorkingDirectory>${xml(spec.dataDir)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}
