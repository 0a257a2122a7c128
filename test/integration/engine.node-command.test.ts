import { describe, expect, it } from 'vitest';
import { makeTestEngine, waitForRun } from '../helpers/engine.js';

describe('command jobs running Node (node-command.ts)', () => {
  it('`{{node}}` and, in a packaged app, a bare `node` run the runtime binary with its environment', async () => {
    const print = `console.log(process.env.RUNTIME_MARK ?? 'unmarked', process.execPath === process.argv[0] ? 'same' : 'other')`;
    const { engine } = await makeTestEngine({
      jobs: `
jobs:
  - id: placeholder
    command: ["{{node}}", -e, "${print}"]
  - id: bare
    command: [node, -e, "${print}"]
`,
      engineOptions: {
        nodeRuntime: { execPath: process.execPath, env: { RUNTIME_MARK: 'runtime' }, mapBareNode: true },
      },
    });
    expect(engine.configStatus().errors).toEqual([]);
    for (const id of ['placeholder', 'bare']) {
      const run = await waitForRun(engine, engine.trigger(id, { actor: 'ui' }).id);
      expect(run.state, id).toBe('succeeded');
      const lines = engine
        .getRunLogs(run.id)
        .lines.filter((line) => line.stream === 'stdout')
        .map((line) => line.message);
      expect(lines, id).toEqual(['runtime same']);
    }
    await engine.close();
  });

  it('`{{node}}` is accepted only as the program; elsewhere it is an undeclared placeholder', async () => {
    const { engine } = await makeTestEngine({
      jobs: `
jobs:
  - id: misplaced
    command: [sh, -c, "echo {{node}}"]
`,
    });
    expect(
      engine
        .configStatus()
        .errors.map((error) => error.message)
        .join('\n'),
    ).toContain('placeholder "{{node}}" names no declared param');
    await engine.close();
  });
});
