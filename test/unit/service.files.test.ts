import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath } from '../../main/cli/service.js';
import {
  launchdPlist,
  parseServiceState,
  serveArguments,
  serviceLayout,
  serviceSpec,
  systemdUnit,
  windowsArgument,
  windowsTaskXml,
  type ServiceSpec,
} from '../../main/host/service.js';

const SPEC: ServiceSpec = {
  node: '/opt/node 20/bin/node',
  bin: '/srv/jobtray/bin/jobtray.js',
  args: serveArguments({ dataDir: '/data/job tray', jobsFile: '/etc/jobs.yaml', port: 4770 }),
  dataDir: '/data/job tray',
  env: { PATH: '/usr/local/bin:/usr/bin:/bin', LOG_LEVEL: '50% "loud" $HOME' },
};

function lines(text: string): string[] {
  return text.split('\n');
}

describe('serveArguments', () => {
  it('reproduces the serve options with absolute paths', () => {
    expect(serveArguments({ dataDir: 'rel', port: 0, moveDamagedDb: true })).toEqual([
      'serve',
      '--data-dir',
      path.resolve('rel'),
      '--port',
      '0',
      '--move-damaged-db',
    ]);
    expect(SPEC.args).toEqual(['serve', '--data-dir', '/data/job tray', '--jobs', '/etc/jobs.yaml', '--port', '4770']);
  });
});

describe('systemdUnit', () => {
  it('runs node bin/jobtray.js serve directly, restarts on failure, lets the host stop its own runs (KillMode=mixed)', () => {
    expect(lines(systemdUnit(SPEC))).toEqual([
      '[Unit]',
      'Description=Jobtray headless host (recurring local jobs, Local API and dashboard)',
      '',
      '[Service]',
      'Type=simple',
      'ExecStart="/opt/node 20/bin/node" "/srv/jobtray/bin/jobtray.js" "serve" "--data-dir" "/data/job tray" "--jobs" "/etc/jobs.yaml" "--port" "4770"',
      'WorkingDirectory=/data/job tray',
      'Environment="PATH=/usr/local/bin:/usr/bin:/bin"',
      'Environment="LOG_LEVEL=50%% \\"loud\\" $HOME"',
      'Restart=on-failure',
      'RestartSec=5',
      'KillMode=mixed',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=60',
      '',
      '[Install]',
      'WantedBy=default.target',
      '',
    ]);
  });

  it('escapes what systemd would expand in ExecStart (% specifiers, $ variables) and refuses line breaks', () => {
    expect(systemdUnit({ ...SPEC, args: ['serve', '--data-dir', '/d/100%$X'] })).toContain(
      '"serve" "--data-dir" "/d/100%%$$X"',
    );
    expect(() => systemdUnit({ ...SPEC, env: { BAD: 'a\nb' } })).toThrow(
      'a systemd unit cannot hold a value with a line break: "a\\nb"',
    );
  });

  // Runs the real verifier where systemd is installed (it is on these machines); the structure is asserted either way.
  it('passes systemd-analyze verify when systemd is installed (structure asserted either way)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobtray-unit-'));
    const spec = serviceSpec({ dataDir: dir, port: 0 }, { PATH: process.env.PATH ?? '/usr/bin:/bin' });
    const unit = systemdUnit(spec);
    const file = path.join(dir, 'jobtray.service');
    fs.writeFileSync(file, unit);
    const sections = unit.split('\n').filter((line) => line.startsWith('['));
    expect(sections).toEqual(['[Unit]', '[Service]', '[Install]']);
    expect(unit).toMatch(
      new RegExp(`^ExecStart="${process.execPath}" "${spec.bin}" "serve" "--data-dir" "${dir}" "--port" "0"$`, 'm'),
    );
    expect(fs.existsSync(spec.bin)).toBe(true);
    const analyze = findOnPath('systemd-analyze', process.env);
    if (analyze !== null) {
      const result = spawnSync(analyze, ['verify', file], { encoding: 'utf8' });
      // verify exits 0 even for unknown keys or bad values: it says so on stderr, so stderr must be empty.
      expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({
        status: 0,
        stderr: '',
        stdout: '',
      });
    }
    console.info(
      `service.files: systemd unit ${analyze ? `checked by ${analyze} verify` : 'checked by structure only (systemd-analyze not installed)'}`,
    );
  });
});

describe('launchdPlist', () => {
  it('is a launch agent loaded at login and kept alive after an unsuccessful exit', () => {
    const plist = launchdPlist(SPEC);
    expect(plist.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC')).toBe(true);
    for (const line of [
      '  <key>Label</key><string>io.jobtray.host</string>',
      '    <string>/opt/node 20/bin/node</string>',
      '    <string>/srv/jobtray/bin/jobtray.js</string>',
      '    <string>serve</string>',
      '    <string>/data/job tray</string>',
      '    <key>LOG_LEVEL</key><string>50% &quot;loud&quot; $HOME</string>',
      '  <key>RunAtLoad</key><true/>',
      '    <key>SuccessfulExit</key><false/>',
      '  <key>ExitTimeOut</key><integer>60</integer>',
      '  <key>StandardErrorPath</key><string>/data/job tray/logs/service.err.log</string>',
    ]) {
      expect(lines(plist)).toContain(line);
    }
  });
});

describe('windowsTaskXml', () => {
  it('is a logon task without a time limit, restarted on failure, running node with quoted arguments', () => {
    const xml = windowsTaskXml({
      ...SPEC,
      node: 'C:\\Program Files\\nodejs\\node.exe',
      bin: 'C:\\jobtray\\bin\\jobtray.js',
      args: ['serve', '--data-dir', 'C:\\Users\\ops\\Job Tray\\'],
    });
    const rows = xml.split('\r\n');
    expect(rows[0]).toBe('<?xml version="1.0" encoding="UTF-16"?>');
    for (const line of [
      '    <LogonTrigger><Enabled>true</Enabled></LogonTrigger>',
      '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
      '    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>',
      '      <Command>C:\\Program Files\\nodejs\\node.exe</Command>',
      '      <Arguments>C:\\jobtray\\bin\\jobtray.js serve --data-dir &quot;C:\\Users\\ops\\Job Tray\\\\&quot;</Arguments>',
    ]) {
      expect(rows).toContain(line);
    }
  });

  it('quotes arguments the way the C runtime reads them', () => {
    expect(['plain', 'two words', 'say "hi"', 'C:\\dir\\', ''].map(windowsArgument)).toEqual([
      'plain',
      '"two words"',
      '"say \\"hi\\""',
      'C:\\dir\\',
      '""',
    ]);
    expect(windowsArgument('a b\\')).toBe('"a b\\\\"');
  });
});

describe('serviceLayout and parseServiceState', () => {
  it("puts each platform's file where its service manager looks, with the commands that load it", () => {
    const linux = serviceLayout('linux', SPEC, '/home/ops', {}, 1000);
    expect(linux.file).toBe('/home/ops/.config/systemd/user/jobtray.service');
    expect(serviceLayout('linux', SPEC, '/home/ops', { XDG_CONFIG_HOME: '/cfg' }, 1000).file).toBe(
      '/cfg/systemd/user/jobtray.service',
    );
    expect(linux.install).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'jobtray.service'],
    ]);
    const mac = serviceLayout('darwin', SPEC, '/Users/ops', {}, 501);
    expect(mac.file).toBe('/Users/ops/Library/LaunchAgents/io.jobtray.host.plist');
    expect(mac.install).toEqual([['launchctl', 'bootstrap', 'gui/501', mac.file]]);
    const windows = serviceLayout('win32', { ...SPEC, dataDir: 'C:\\data' }, 'C:\\Users\\ops', {}, 0);
    expect(windows.install[0]).toEqual([
      'schtasks',
      '/Create',
      '/TN',
      'Jobtray',
      '/XML',
      'C:\\data\\jobtray-task.xml',
      '/F',
    ]);
    expect(windows.utf16).toBe(true);
  });

  it("reads whether the service runs from each tool's output", () => {
    expect(parseServiceState('linux', 0, 'active\n')).toBe('active');
    expect(parseServiceState('linux', 3, 'inactive\n')).toBe('inactive');
    expect(parseServiceState('darwin', 113, '')).toBe('not loaded');
    expect(parseServiceState('darwin', 0, 'gui/501/io.jobtray.host = {\n\tstate = running\n')).toBe('running');
    expect(parseServiceState('win32', 0, 'TaskName: \\Jobtray\r\nStatus:        Running\r\n')).toBe('running');
  });
});
