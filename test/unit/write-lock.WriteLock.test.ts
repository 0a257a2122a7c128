import { describe, expect, it } from 'vitest';
import { WRITE_LOCK_OWNERS, WriteLock } from '../../main/engine/store/index.js';

/** The shared word: who holds the lock (0: nobody). */
function holder(lock: WriteLock): number {
  return Atomics.load(new Int32Array(lock.buffer), 0);
}

describe('WriteLock', () => {
  it('records which thread holds it, re-entrantly, and frees it when the outermost hold ends', () => {
    const engine = WriteLock.create();
    const writer = new WriteLock(engine.buffer, WRITE_LOCK_OWNERS.logWriter);
    expect(holder(engine)).toBe(0);
    writer.hold(() => {
      expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.logWriter);
      writer.hold(() => expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.logWriter));
      expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.logWriter);
    });
    expect(holder(engine)).toBe(0);
    engine.hold(() => expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.engine));
    expect(holder(engine)).toBe(0);
  });

  it('is freed after a throw inside the hold', () => {
    const lock = WriteLock.create();
    expect(() =>
      lock.hold(() => {
        throw new Error('write failed');
      }),
    ).toThrow('write failed');
    expect(holder(lock)).toBe(0);
  });

  it("releaseAbandoned frees a lock left by the thread named only: another thread's hold stays", () => {
    const engine = WriteLock.create();
    const writer = new WriteLock(engine.buffer, WRITE_LOCK_OWNERS.logWriter);
    // The command supervisor's thread died; meanwhile the log writer holds the lock for a transaction of its own.
    writer.hold(() => {
      engine.releaseAbandoned(WRITE_LOCK_OWNERS.commandSupervisor);
      expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.logWriter);
    });
    // A lock the dead supervisor left held (as a terminated thread leaves it) is freed for the others.
    Atomics.store(new Int32Array(engine.buffer), 0, WRITE_LOCK_OWNERS.commandSupervisor);
    engine.releaseAbandoned(WRITE_LOCK_OWNERS.logWriter);
    expect(holder(engine)).toBe(WRITE_LOCK_OWNERS.commandSupervisor);
    engine.releaseAbandoned(WRITE_LOCK_OWNERS.commandSupervisor);
    expect(holder(engine)).toBe(0);
    expect(engine.hold(() => holder(engine))).toBe(WRITE_LOCK_OWNERS.engine);
  });
});
