/**
 * Command jobs that run Node.js (`command: [node, script.mjs]`, or
 * `[{{node}}, script.mjs]`) where there may be no `node` on PATH: in the
 * packaged desktop app the runtime is Electron's own binary, which behaves as
 * plain Node when started with ELECTRON_RUN_AS_NODE=1 (the `runAsNode` fuse
 * must stay on; electron-builder.yml). Pure.
 */

/** The reserved placeholder for the Node.js runtime (a declared param of that name takes precedence). */
export const NODE_PLACEHOLDER = 'node';
const NODE_TOKEN = /^\{\{\s*node\s*\}\}$/;

/** `{{node}}` as a whole argv item (only the first item, the program, is mapped). */
export function isNodePlaceholder(arg: string): boolean {
  return NODE_TOKEN.test(arg);
}

export interface NodeRuntime {
  /** The executable that runs Node (process.execPath). */
  execPath: string;
  /** Set for the child when it runs (`{ELECTRON_RUN_AS_NODE: '1'}` under Electron; none under Node). */
  env: Record<string, string>;
  /** Also map a bare `node` command (the packaged app, where PATH may have none); a `{{node}}` placeholder always maps. */
  mapBareNode: boolean;
}

/** The runtime of this process: Electron's binary as Node in the desktop app, else this Node. */
export function currentNodeRuntime(
  versions: Readonly<Record<string, string | undefined>> = process.versions,
  execPath = process.execPath,
  packaged = false,
): NodeRuntime {
  const electron = typeof versions.electron === 'string';
  return { execPath, env: electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}, mapBareNode: electron && packaged };
}

/**
 * A command's argv (before its params are filled) with the Node runtime put
 * in: the first item when it is `{{node}}` (unless the job declares a param
 * named `node`), or `node` when the runtime says so. Returns the argv and the
 * extra environment, or null when the command does not run Node.
 */
export function mapNodeCommand(
  argv: readonly string[],
  runtime: NodeRuntime,
  declaredParams: readonly string[],
): { argv: string[]; env: Record<string, string> } | null {
  const [first, ...rest] = argv;
  if (first === undefined) return null;
  const placeholder = isNodePlaceholder(first) && !declaredParams.includes(NODE_PLACEHOLDER);
  const bare = runtime.mapBareNode && first === 'node';
  if (!placeholder && !bare) return null;
  return { argv: [runtime.execPath, ...rest], env: { ...runtime.env } };
}
