import { CHAIN_FIELDS, type Entry } from './entry.js';

/**
 * Checks across the jobs of one file: unique ids, chain targets that exist and
 * chains without cycles. Each problem becomes an issue of the entry at fault.
 */

/** The first entry with an id wins; later ones are errors (the first stays valid). */
export function checkDuplicateIds(entries: Entry[]): Map<string, Entry> {
  const first = new Map<string, Entry>();
  for (const entry of entries) {
    if (entry.id === null) continue;
    const earlier = first.get(entry.id);
    if (earlier)
      entry.issues.push({
        path: ['id'],
        why: `duplicate id "${entry.id}": jobs[${earlier.index}] already uses it (ids must be unique)`,
      });
    else first.set(entry.id, entry);
  }
  return first;
}

/** A target must be the id of some entry; an entry that is itself invalid is fine (the engine keeps its last good definition). */
export function checkChainTargets(entries: Entry[], byId: Map<string, Entry>): void {
  const known = byId.size > 0 ? [...byId.keys()].join(', ') : 'none';
  for (const entry of entries) {
    for (const field of CHAIN_FIELDS) {
      for (const link of entry.chains[field]) {
        if (!byId.has(link.target))
          entry.issues.push({ path: link.path, why: `chains to unknown job "${link.target}" (known jobs: ${known})` });
      }
    }
  }
}

/** The shortest chain path from `start` back to itself (`[a, b, a]`, or `[a, a]` for a self-chain), or null. */
function shortestCycle(start: string, next: (id: string) => string[]): string[] | null {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head] ?? start;
    for (const target of next(current)) {
      if (target === start) {
        const cycle = [start];
        for (let step: string | undefined = current; step !== undefined && step !== start; step = parent.get(step))
          cycle.unshift(step);
        return [start, ...cycle];
      }
      if (!parent.has(target)) {
        parent.set(target, current);
        queue.push(target);
      }
    }
  }
  return null;
}

/** Each job on a chain cycle gets its own error, on the link that closes the cycle's first step. */
export function checkChainCycles(byId: Map<string, Entry>): void {
  const next = (id: string): string[] => {
    const entry = byId.get(id);
    if (!entry) return [];
    return CHAIN_FIELDS.flatMap((field) => entry.chains[field].map((link) => link.target)).filter((target) =>
      byId.has(target),
    );
  };
  for (const [id, entry] of byId) {
    const cycle = shortestCycle(id, next);
    const link = CHAIN_FIELDS.flatMap((field) => entry.chains[field]).find((l) => l.target === cycle?.[1]);
    if (!cycle || !link) continue;
    entry.issues.push({
      path: link.path,
      why: `chain cycle ${cycle.join(' → ')}: a chain must not lead back to a job already in it`,
    });
  }
}
