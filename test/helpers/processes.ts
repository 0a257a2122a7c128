import fs from 'node:fs';

/**
 * Live (non-zombie) descendants of `root`, read from /proc (a `ps` child would
 * count itself). The subtrees of `except` (processes a suite keeps across its
 * tests, see keepAcrossTests) are left out, their roots included.
 */
export function liveDescendants(root: number, except: ReadonlySet<number> = new Set()): number[] {
  if (process.platform !== 'linux') return [];
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') continue;
    const ppid = Number(rest[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (except.has(child)) continue;
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}
