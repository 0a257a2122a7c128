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
