/**
 * Registry of things a test opened (engines, stores, servers, workers). The
 * global afterEach in test/setup/leak-check.ts fails a test that leaves any of
 * them open, and one that leaves a child process of this test process running.
 */
export interface Tracked {
  name: string;
  isOpen: () => boolean;
  close: () => Promise<void> | void;
}

const tracked = new Set<Tracked>();

export function track(item: Tracked): void {
  tracked.add(item);
}

/** Closes everything still open and returns the names of what was left open. */
export async function closeLeftovers(): Promise<string[]> {
  const leaked: string[] = [];
  for (const item of tracked) {
    if (item.isOpen()) {
      leaked.push(item.name);
      try {
        await item.close();
      } catch {
        // Closing is best effort here; the leak itself fails the test.
      }
    }
  }
  tracked.clear();
  return leaked;
}

const kept = new Set<number>();

/**
 * A child process a suite keeps for all its tests (the e2e suites' browser):
 * the per-test check leaves it and its descendants alone. The suite stops it
 * in afterAll and then checks that nothing is left (liveDescendants). Returns
 * the release, called once the process is stopped.
 */
export function keepAcrossTests(pid: number): () => void {
  kept.add(pid);
  return () => kept.delete(pid);
}

export function keptAcrossTests(): ReadonlySet<number> {
  return kept;
}
