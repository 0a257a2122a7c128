import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeDataDir } from '../helpers/engine.js';

/**
 * A stand-in systemctl on PATH that records its arguments and answers
 * `is-active` with what STATE says, so the commands `jobtray service` runs
 * are checked without a user systemd instance (this machine has none).
 */
function fakeSystemctl(dir: string, log: string): void {
  const script = `#!/bin/sh\necho "$*" >> '${log}'\nif [ "$2" = is-active ]; then cat '${dir}/STATE' 2>/dev/null || echo inactive; fi\n`;
  fs.writeFileSync(path.join(dir, 'systemctl'), script, { mode: 0o755 });
}

describe('jobtray service (Linux, systemd user unit)', () => {
  it('install writes the unit and enables it; status reports it; uninstall disables and removes it', async () => {
    const home = makeDataDir();
    const bin = makeDataDir();
    const dataDir = makeDataDir();
    const log = path.join(bin, 'calls.log');
    fakeSystemctl(bin, log);
    const env = { HOME: home, PATH: `${bin}:/usr/bin:/bin` };
    const unit = path.join(home, '.config', 'systemd', 'user', 'jobtray.service');

    const install = await runCli(
      ['service', 'install', '--data-dir', dataDir, '--port', '4999', '--env', 'LOG_LEVEL=INFO'],
      { env },
    );
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toContain(
      `Wrote ${unit}\nRan: systemctl --user daemon-reload\nRan: systemctl --user enable --now jobtray.service\nJobtray runs as a service now.\n`,
    );
    const text = fs.readFileSync(unit, 'utf8');
    expect(text).toContain(
      `\nExecStart="${process.execPath}" "${path.resolve('bin/jobtray.js')}" "serve" "--data-dir" "${dataDir}" "--port" "4999"\n`,
    );
    expect(text).toContain(`\nEnvironment="PATH=${env.PATH}"\nEnvironment="LOG_LEVEL=INFO"\n`);
    expect(fs.readFileSync(log, 'utf8')).toBe('--user daemon-reload\n--user enable --now jobtray.service\n');

    fs.writeFileSync(path.join(bin, 'STATE'), 'active\n');
    const status = await runCli(['service', 'status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toEqual({ platform: 'linux', file: unit, installed: true, state: 'active' });

    const uninstall = await runCli(['service', 'uninstall'], { env });
    expect(uninstall.code).toBe(0);
    expect(fs.existsSync(unit)).toBe(false);
    expect(fs.readFileSync(log, 'utf8').split('\n').slice(-4)).toEqual([
      '--user is-active jobtray.service',
      '--user disable --now jobtray.service',
      '--user daemon-reload',
      '',
    ]);
    fs.rmSync(path.join(bin, 'STATE'));
    expect((await runCli(['service', 'status'], { env })).stdout).toBe(
      `Service file: ${unit} (not installed)\nState: inactive\n`,
    );
  });

  it('without systemctl, install writes the unit and prints the exact commands to load it', async () => {
    const home = makeDataDir();
    const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg'), PATH: makeDataDir() };
    const install = await runCli(['service', 'install', '--data-dir', makeDataDir()], { env });
    expect(install.code).toBe(0);
    const unit = path.join(home, 'cfg', 'systemd', 'user', 'jobtray.service');
    expect(install.stdout).toBe(
      `Wrote ${unit}\nsystemctl was not found on PATH; load the service with:\n  systemctl --user daemon-reload\n  systemctl --user enable --now jobtray.service\n`,
    );
    expect(fs.readFileSync(unit, 'utf8')).toContain('Restart=on-failure\n');
    expect((await runCli(['service', 'status'], { env })).stdout).toBe(
      `Service file: ${unit} (installed)\nState: unknown (systemctl not found on PATH)\n`,
    );
  });

  it('a failing systemctl is reported with the commands left to run, exit code 1', async () => {
    const home = makeDataDir();
    const bin = makeDataDir();
    fs.writeFileSync(
      path.join(bin, 'systemctl'),
      '#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const install = await runCli(['service', 'install', '--data-dir', makeDataDir()], {
      env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(install.code).toBe(1);
    expect(install.stderr).toBe(
      'systemctl --user daemon-reload failed: Failed to connect to bus: No medium found\nRun these once it can work (e.g. in a login session):\n  systemctl --user daemon-reload\n  systemctl --user enable --now jobtray.service\n',
    );
  });
});
