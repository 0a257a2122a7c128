import { spawn } from 'node:child_process';
import { resourceExhaustion, type WorkerOutcome, type WorkerRunSpec } from '../contract/worker-protocol.js';
import { LineSplitter, parseCommandLine } from './command-lines.js';
import { failure, postArtifact, tryStat, type Failure, type Outbox } from './outbox.js';

/**
 * One attempt of a command job: its process (its own process group, stdin
 * /dev/null), its output as log lines with backpressure, SIGTERM to the group
 * on cancel. Run by the one-attempt worker (run-job.ts) and, for many attempts
 * at once, by the command supervisor (command-supervisor.ts).
 */

/** After a command exits, how long a background process may keep its output pipes open. */
const OUTPUT_DRAIN_GRACE_MS = 2_000;

/** Why a command cannot start, in words a person can act on. */
function spawnFailure(command: string, cwd: string, error: NodeJS.ErrnoException): Failure {
  const why =
    error.code === 'ENOENT'
      ? `command not found (check the command name and PATH in the job's env)`
      : error.code === 'EACCES'
        ? 'permission denied (is the file executable?)'
        : (resourceExhaustion(error.code) ?? error.message);
  return failure('spawn', new Error(`Cannot start "${command}" in ${cwd}: ${why} [${error.code ?? 'unknown'}]`));
}

/** Node reports a missing cwd as ENOENT of the command, so the cwd is checked first. */
function cwdProblem(command: string, cwd: string): Failure | null {
  const stats = tryStat(cwd);
  if (typeof stats !== 'string' && stats.isDirectory()) return null;
  const code = typeof stats === 'string' ? stats : 'ENOTDIR';
  const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : 'cannot be used';
  return failure('spawn', new Error(`Cannot start "${command}": working directory ${cwd} ${why} [${code}]`));
}

/**
 * Signals the child's process group (it is its leader: spawned detached).
 * Windows has no process groups: only the child is signalled there, and the
 * engine's killTree (taskkill /T) takes care of the rest of the tree.
 */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function exitOutcome(code: number | null, signal: NodeJS.Signals | null): WorkerOutcome {
  if (code === 0) return { ok: true, result: null, exit_code: 0 };
  if (code !== null)
    return failure('exit_code', new Error(`exited with code ${code}`), { stack: null, exit_code: code });
  return failure('exit_code', new Error(`killed by ${signal ?? 'an unknown signal'}`), { stack: null, signal });
}

function handleOutputLine(line: string, stream: 'stdout' | 'stderr', spec: WorkerRunSpec, outbox: Outbox): void {
  const parsed = parseCommandLine(line, stream === 'stdout' ? 'info' : 'warn');
  if (parsed.kind === 'progress') outbox.progress(parsed.percent, parsed.step);
  else if (parsed.kind === 'log') outbox.log(stream, parsed.level, parsed.message);
  else {
    const problem = postArtifact(outbox, spec, parsed.name, { path: parsed.path });
    if (problem) outbox.log('system', 'error', problem);
  }
}

export function runCommand(
  spec: WorkerRunSpec,
  argv: string[],
  outbox: Outbox,
  signal: AbortSignal,
): Promise<WorkerOutcome> {
  const [command = '', ...args] = argv;
  outbox.send({ type: 'started', at: Date.now() });
  const badCwd = cwdProblem(command, spec.cwd);
  if (badCwd) return Promise.resolve(badCwd);

  return new Promise((resolve) => {
    // detached: the child leads its own process group, so cancel (here) and the
    // engine's forced kill reach its whole tree. stdin is /dev/null: a job that
    // reads stdin gets EOF instead of hanging.
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let settled = false;
    const settle = (outcome: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
    };

    child.on('error', (error) => {
      if (child.pid === undefined) settle(spawnFailure(command, spec.cwd, error));
    });
    if (child.pid === undefined) return;
    outbox.send({ type: 'spawned', pid: child.pid });

    const splitters = (['stdout', 'stderr'] as const).map((stream) => {
      const splitter = new LineSplitter((line) => handleOutputLine(line, stream, spec, outbox));
      const output = child[stream];
      output.on('data', (chunk: Buffer) => {
        splitter.push(chunk);
        // Backpressure: while the engine is behind, the pipe fills and the
        // job waits on its writes, instead of lines piling up in memory.
        if (outbox.congested) {
          output.pause();
          outbox.onceOpen(() => output.resume());
        }
      });
      return splitter;
    });
    // A background process of the job may hold the pipes open after the job
    // exited; stop reading after a grace period rather than hang the run.
    // Time spent waiting for the engine (congested) does not count.
    let drainTimer: NodeJS.Timeout | undefined;
    const stopReadingAfterGrace = () => {
      drainTimer = setTimeout(() => {
        if (outbox.congested) return stopReadingAfterGrace();
        outbox.log(
          'system',
          'warn',
          `"${command}" exited but a background process still holds its output open; stopped reading output`,
        );
        child.stdout.destroy();
        child.stderr.destroy();
      }, OUTPUT_DRAIN_GRACE_MS);
    };
    child.once('exit', stopReadingAfterGrace);
    // 'close' comes after the exit AND the end of both pipes, so no line is lost.
    child.once('close', (code, exitSignal) => {
      clearTimeout(drainTimer);
      for (const splitter of splitters) splitter.end();
      settle(exitOutcome(code, exitSignal));
    });

    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
}
