import { describe, expect, it } from 'vitest';
import { currentNodeRuntime, mapNodeCommand, type NodeRuntime } from '../../main/engine/node-command.js';

const PACKAGED: NodeRuntime = {
  execPath: '/opt/Jobtray/jobtray',
  env: { ELECTRON_RUN_AS_NODE: '1' },
  mapBareNode: true,
};
const PLAIN_NODE: NodeRuntime = { execPath: '/usr/bin/node20', env: {}, mapBareNode: false };

describe('mapNodeCommand', () => {
  it('in the packaged app, `node` and `{{node}}` run the app binary as Node (ELECTRON_RUN_AS_NODE=1)', () => {
    expect(mapNodeCommand(['node', 'sync.mjs', '--days', '{{days}}'], PACKAGED, ['days'])).toEqual({
      argv: ['/opt/Jobtray/jobtray', 'sync.mjs', '--days', '{{days}}'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(mapNodeCommand(['{{ node }}', 'x.js'], PACKAGED, [])).toEqual({
      argv: ['/opt/Jobtray/jobtray', 'x.js'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });

  it('under plain Node only `{{node}}` maps (to this Node); a bare `node` stays on PATH', () => {
    expect(mapNodeCommand(['{{node}}', 'x.js'], PLAIN_NODE, [])).toEqual({
      argv: ['/usr/bin/node20', 'x.js'],
      env: {},
    });
    expect(mapNodeCommand(['node', 'x.js'], PLAIN_NODE, [])).toBeNull();
  });

  it('leaves other commands, `node` as an argument, and a declared `node` param alone', () => {
    expect(mapNodeCommand(['python3', 'node'], PACKAGED, [])).toBeNull();
    expect(mapNodeCommand(['/usr/bin/node', 'x.js'], PACKAGED, [])).toBeNull();
    expect(mapNodeCommand(['{{node}}', 'x.js'], PACKAGED, ['node'])).toBeNull();
    expect(mapNodeCommand([], PACKAGED, [])).toBeNull();
  });

  it('currentNodeRuntime: Electron maps bare node only when packaged', () => {
    expect(currentNodeRuntime({}, '/usr/bin/node')).toEqual({ execPath: '/usr/bin/node', env: {}, mapBareNode: false });
    expect(currentNodeRuntime({ electron: '44.11.5' }, '/opt/Jobtray/jobtray', true)).toEqual(PACKAGED);
    expect(currentNodeRuntime({ electron: '44.11.5' }, '/x/electron', false)).toEqual({
      execPath: '/x/electron',
      env: { ELECTRON_RUN_AS_NODE: '1' },
      mapBareNode: false,
    });
  });
});
