import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { packageRoot } from '../main/engine/paths.js';
import { type Bench, measured, tempDir } from './lib.js';

const SECONDS = Number(process.env.JOBTRAY_BENCH_B6_SECONDS ?? 60);
/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every common kernel). */
const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; after the command they are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return measured(`VmRSS of ${pid}`, Number(kb)) / 1024;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (pattern.test(line)) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`measurement broken: process exited with ${code} before "${pattern}"`)),
    );
  });
}

/**
 * B6: the headless host idle for 60 s (demo jobs loaded, none due), CPU % of
 * one core and RSS, vs an idle bare node process measured at the same time.
 */
export const b6: Bench = async () => {
  if (process.platform !== 'linux') throw new Error('B6 reads /proc: it runs on Linux only');
  const dataDir = tempDir('b6');
  const host = spawn(
    process.execPath,
    [path.join(packageRoot(), 'bin', 'jobtray.js'), 'serve', '--data-dir', dataDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 2 ** 30); console.log("ready")'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await Promise.all([waitForLine(host, /^Local API: /), waitForLine(bare, /^ready$/)]);
    // Let start-up settle (V8 finishes compiling and collecting what start-up left) before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    const before = { host: cpuTicks(host.pid!), bare: cpuTicks(bare.pid!) };
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu = (pid: number, from: number) => ((cpuTicks(pid) - from) / CLK_TCK / SECONDS) * 100;
    const hostCpu = cpu(host.pid!, before.host);
    const bareCpu = cpu(bare.pid!, before.bare);
    const hostRss = rssMb(host.pid!);
    const bareRss = rssMb(bare.pid!);
    return {
      id: 'B6',
      title: `headless host idle for ${SECONDS} s (demo jobs loaded, none due)`,
      rows: [
        // CPU of an idle process can be 0 ticks: the table shows no ratio then; the absolute goal is what counts.
        {
          metric: 'CPU, % of one core',
          jobtray: hostCpu,
          baseline: bareCpu,
          baselineLabel: 'idle bare node',
          unit: '%',
          goal: '≤ 0.5 %',
          pass: hostCpu <= 0.5,
        },
        {
          metric: 'RSS',
          jobtray: hostRss,
          baseline: bareRss,
          baselineLabel: 'idle bare node',
          unit: 'MB',
          goal: '≤ 90 MB',
          pass: hostRss <= 90,
        },
      ],
      notes: [
        `CPU from /proc/<pid>/stat (1/${CLK_TCK} s ticks) over the ${SECONDS} s window; RSS is VmRSS at its end.`,
      ],
    };
  } finally {
    const exited = [host, bare].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r))));
    host.kill('SIGTERM');
    bare.kill('SIGTERM');
    await Promise.all(exited);
  }
};
