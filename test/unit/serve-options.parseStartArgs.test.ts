import { describe, expect, it } from 'vitest';
import { hostOptionsFrom, parseStartArgs } from '../../main/host/serve-options.js';

function parse(argv: string[]) {
  let out = '';
  let err = '';
  const result = parseStartArgs(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { result, out, err };
}

const USAGE = 'Usage: npm start -- [--data-dir <dir>] [--jobs <file>] [--port <n>] [--move-damaged-db] [--no-open]';

describe('parseStartArgs (npm start -- …)', () => {
  it('takes the options of jobtray serve', () => {
    const { result, err } = parse(['--data-dir', 'd', '--jobs', 'j.yaml', '--port', '0', '--move-damaged-db']);
    expect(err).toBe('');
    expect(result).toEqual({
      kind: 'serve',
      args: { dataDir: 'd', jobs: 'j.yaml', port: 0, moveDamagedDb: true, open: true },
    });
    expect(parse([]).result).toEqual({ kind: 'serve', args: { open: true } });
    // npm start's own option: the dashboard is not opened in a browser.
    expect(parse(['--no-open']).result).toEqual({ kind: 'serve', args: { open: false } });
  });

  it('refuses an unknown option or a stray argument with a usage line and exit code 2', () => {
    for (const argv of [['--data-dri', 'd'], ['serve'], ['--port']]) {
      const { result, err } = parse(argv);
      expect(result, argv.join(' ')).toEqual({ kind: 'exit', code: 2 });
      expect(err).toMatch(/^error: /);
      expect(err.trimEnd().split('\n').at(-1)).toBe(USAGE);
    }
    expect(parse(['--data-dri', 'd']).err).toContain("unknown option '--data-dri'");
  });

  it('refuses a port out of range, saying what a port must be', () => {
    const { result, err } = parse(['--port', '99999']);
    expect(result).toEqual({ kind: 'exit', code: 2 });
    expect(err).toContain(
      "option '--port <n>' argument '99999' is invalid. the port must be a whole number from 0 to 65535 (0 = any free port).",
    );
  });

  it('--help lists the options and exits 0', () => {
    const { result, out } = parse(['--help']);
    expect(result).toEqual({ kind: 'exit', code: 0 });
    for (const flag of ['--data-dir <dir>', '--jobs <file>', '--port <n>', '--move-damaged-db'])
      expect(out).toContain(flag);
  });
});

describe('hostOptionsFrom', () => {
  it('resolves paths and falls back to the default data dir', () => {
    expect(hostOptionsFrom({ dataDir: 'rel', jobs: 'j.yaml', port: 8, moveDamagedDb: true }, {})).toEqual({
      dataDir: `${process.cwd()}/rel`,
      jobsFile: `${process.cwd()}/j.yaml`,
      port: 8,
      moveDamagedDb: true,
    });
    expect(hostOptionsFrom({}, { JOBTRAY_DATA_DIR: '/srv/jobtray' })).toEqual({ dataDir: '/srv/jobtray' });
  });
});
