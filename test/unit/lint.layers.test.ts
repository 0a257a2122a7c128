import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of eslint.config.js, proven on small sources placed at
 * virtual paths: each forbidden import fails the lint, and each layer's
 * allowed imports pass it.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-globals']);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layer-rule errors of `code` linted as if it were the file `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result!.messages;
  expect(
    messages.filter((m) => m.fatal),
    `${filePath} does not parse`,
  ).toEqual([]);
  return messages
    .filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId) && m.severity === 2)
    .map((m) => `${m.ruleId}: ${m.message}`);
}

const importing = (specifier: string) => `import * as m from '${specifier}';\nexport default m;\n`;

describe('layer rules', () => {
  const forbidden: [file: string, specifier: string][] = [
    ['contract/x.ts', 'node:fs'],
    ['contract/x.ts', 'fs'],
    ['contract/x.ts', 'path/posix'],
    ['contract/x.ts', '../main/engine/engine.js'],
    ['contract/x.ts', '../workers/job-api.js'],
    ['main/engine/x.ts', '../api/server.js'],
    ['main/engine/x.ts', '../host/host.js'],
    ['main/engine/x.ts', '../cli/client.js'],
    ['main/engine/x.ts', '../notify/webhooks.js'],
    ['main/engine/store/x.ts', '../../api/server.js'],
    ['main/engine/x.ts', '../../workers/run-job.js'],
    ['main/engine/x.ts', 'electron'],
    ['workers/x.ts', '../main/engine/engine.js'],
    ['workers/x.ts', '../main/shared/process.js'],
    ['workers/run-job.ts', '../main/engine/store/index.js'],
    ['workers/command-supervisor.ts', '../main/engine/engine.js'],
    ['workers/command-supervisor.ts', '../main/engine/store/store.js'],
    ['workers/command-supervisor.ts', '../renderer/src/x.js'],
    ['main/shared/x.ts', '../engine/engine.js'],
    ['main/api/x.ts', '../host/host.js'],
    ['main/api/x.ts', '../notify/webhooks.js'],
    ['main/notify/x.ts', '../api/server.js'],
    ['main/host/x.ts', '../cli/index.js'],
    ['main/cli/x.ts', '../engine/engine.js'],
    ['main/cli/x.ts', '../../main/engine/process-tree.js'],
    ['main/cli/x.ts', '../api/server.js'],
    ['main/cli/x.ts', '../notify/webhooks.js'],
    ['renderer/src/x.ts', '../../main/engine/engine.js'],
    ['renderer/src/components/x.ts', '../../../workers/job-api.js'],
    ['renderer/src/x.ts', 'node:path'],
    ['renderer/src/x.ts', 'electron'],
    ['main/electron/x.ts', '../cli/index.js'],
    ['main/desktop/x.ts', 'electron'],
    ['main/desktop/x.ts', '../host/host.js'],
    ['main/desktop/x.ts', '../electron/tray.js'],
    ['main/desktop/x.ts', '../api/server.js'],
    ['main/start.ts', 'electron/main'],
    ['bench/x.ts', 'electron'],
  ];
  it.each(forbidden)('%s may not import %s', async (file, specifier) => {
    expect(await layerErrors(file, importing(specifier))).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it('a type-only import crosses no layer either', async () => {
    expect(
      await layerErrors(
        'main/cli/x.ts',
        "import type { Engine } from '../engine/engine.js';\nexport type E = Engine;\n",
      ),
    ).toHaveLength(1);
  });

  it('the renderer takes only types from contract/api.ts (its values would bundle zod)', async () => {
    expect(await layerErrors('renderer/src/x.ts', importing('../../contract/api.js'))).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*types only/),
    ]);
    expect(
      await layerErrors(
        'renderer/src/x.ts',
        "import type { OperationName } from '../../contract/api.js';\nexport type O = OperationName;\n",
      ),
    ).toEqual([]);
  });

  it('browser-safe folders may not touch Node globals', async () => {
    expect(await layerErrors('contract/x.ts', "export const b = Buffer.from('x');\n")).toEqual([
      expect.stringMatching(/^no-restricted-globals: .*Buffer/),
    ]);
    expect(await layerErrors('renderer/src/x.ts', 'export const env = process.env;\n')).toEqual([
      expect.stringMatching(/^no-restricted-globals: .*process/),
    ]);
  });

  const allowed: [file: string, specifier: string][] = [
    ['contract/x.ts', './model.js'],
    ['contract/x.ts', 'zod'],
    ['main/shared/x.ts', '../../contract/model.js'],
    ['main/shared/x.ts', 'node:fs'],
    ['main/engine/x.ts', '../../contract/model.js'],
    ['main/engine/x.ts', './store.js'],
    ['main/engine/x.ts', '../shared/process.js'],
    ['main/engine/x.ts', 'node:fs'],
    ['main/engine/store/x.ts', '../events.js'],
    ['workers/x.ts', '../contract/worker-protocol.js'],
    ['workers/x.ts', './job-api.js'],
    ['workers/command-supervisor.ts', '../main/engine/store/index.js'],
    ['workers/command-supervisor.ts', './outbox.js'],
    ['main/api/x.ts', '../engine/engine.js'],
    ['main/notify/x.ts', '../engine/engine.js'],
    ['main/notify/x.ts', '../../contract/webhooks.js'],
    ['main/host/x.ts', '../engine/engine.js'],
    ['main/host/x.ts', '../api/server.js'],
    ['main/host/x.ts', '../notify/webhooks.js'],
    ['main/cli/x.ts', '../../contract/api.js'],
    ['main/cli/x.ts', '../host/discovery.js'],
    ['main/cli/x.ts', '../shared/process.js'],
    ['main/cli/x.ts', 'commander'],
    ['renderer/src/x.ts', '../../contract/routes.js'],
    ['renderer/src/x.ts', './stores/jobs.js'],
    ['main/electron/x.ts', 'electron'],
    ['main/electron/x.ts', '../engine/engine.js'],
    ['main/electron/x.ts', '../desktop/tray-menu.js'],
    ['main/desktop/x.ts', '../engine/operations.js'],
    ['main/desktop/x.ts', '../../contract/ipc.js'],
    ['main/host/x.ts', '../desktop/desktop-paths.js'],
    ['test/unit/x.test.ts', '../../main/engine/engine.js'],
  ];
  it.each(allowed)('%s may import %s', async (file, specifier) => {
    expect(await layerErrors(file, importing(specifier))).toEqual([]);
  });
});
