import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogPage } from '../../contract/model.js';
import { openStore } from '../../main/engine/store/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { eventually, isAlive, makeDataDir, writeFiles } from '../helpers/engine.js';

const IGNORE_TERM = fileURLToPath(new URL('../fixtures/scripts/ignore-term.py', import.meta.url));

// A job whose shell and sleep ignore SIGTERM, with a grandchild that left the
// job's process group and session (setsid) and ignores SIGTERM too: only the
// forced kill (SIGKILL to the tree and the run-key sweep) ends them all.
const JOBS = `
jobs:
  - id: stubborn
    command:
      - sh
      - -c
      - |
        trap '' TERM
        sleep 1000 &
        echo "pids $$ $!"
        setsid python3 ${IGNORE_TERM} &
        wait
`;
/** Far longer than the test may take: only the forced path can end the run in time. */
const KILL_GRACE_MS = 30_000;

/** The pids of the run's tree, from its log: the shell and its sleep (`pids …`) and the setsid grandchild (`ready …`). */
async function treeOf(dataDir: string, runId: number): Promise<number[]> {
  return eventually(async () => {
    const logs = JSON.parse((await runCli(['logs', String(runId), '--json', '--data-dir', dataDir])).stdout) as LogPage;
    const pids = logs.lines.find((l) => l.message.startsWith('pids '));
    const ready = logs.lines.find((l) => l.message.startsWith('ready '));
    return pids && ready ? [...pids.message.split(' ').slice(1), ready.message.split(' ')[1]].map(Number) : null;
  }, `run ${runId} to report the pids of its shell, its sleep and its setsid grandchild`);
}

describe('jobtray serve: a second signal during the grace period', () => {
  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['SIGINT', 'SIGINT'],
    ['SIGTERM', 'SIGINT'],
  ] as const)(
    '%s then %s kills the job tree now, records the run interrupted and exits cleanly',
    async (first, second) => {
      const dataDir = makeDataDir();
      writeFiles(dataDir, { 'jobs.yaml': JOBS });
      const store = openStore({ path: path.join(dataDir, 'jobtray.db') });
      store.updateSettings({ kill_grace_ms: KILL_GRACE_MS });
      store.close();
      const serve = spawnCli([
        'serve',
        '--data-dir',
        dataDir,
        '--jobs',
        path.join(dataDir, 'jobs.yaml'),
        '--port',
        '0',
      ]);
      await serve.waitForStdout(/^Press Ctrl\+C to stop\.$/m);
      const started = await runCli(['run', 'stubborn', '--json', '--data-dir', dataDir]);
      const runId = (JSON.parse(started.stdout) as { run_id: number }).run_id;
      const tree = await treeOf(dataDir, runId);
      expect(tree).toHaveLength(3);
      expect(tree.every(isAlive)).toBe(true);

      serve.child.kill(first);
      await serve.waitForStdout(new RegExp(`^${first}: stopping \\(`, 'm'));
      serve.child.kill(second);
      await serve.waitForStdout(new RegExp(`^${second}: stopping now \\(forced\\)$`, 'm'));
      expect(await serve.exitedWithin(KILL_GRACE_MS / 3)).toEqual({ code: 0, signal: null });

      await eventually(
        () => tree.every((pid) => !isAlive(pid)),
        `every process of the job's tree (${tree.join(', ')}) to be gone`,
        5_000,
      );
      expect(fs.existsSync(path.join(dataDir, 'api.json')), 'api.json removed').toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'jobtray.lock')), 'lock removed').toBe(false);
      const after = openStore({ path: path.join(dataDir, 'jobtray.db') });
      try {
        expect(after.getRun(runId)).toMatchObject({ state: 'interrupted', error_code: 'interrupted' });
        expect(after.runsInStates(['running'])).toEqual([]);
      } finally {
        after.close();
      }
    },
  );
});
