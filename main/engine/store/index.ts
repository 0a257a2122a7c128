export { openStore, openStoreConnection, Store, type StoreOptions } from './store.js';
export { WriteLock, WRITE_LOCK_OWNERS, type WriteLockOwner } from './write-lock.js';
export type { NewAuditEntry, NewRun, RetentionOptions, RetentionResult, RunPatch } from './inputs.js';
export type { JobStateRow } from './rows.js';
export {
  backupsDirOf,
  databaseDamage,
  fileTimestamp,
  isCorruption,
  moveDatabaseAside,
  type MovedFile,
} from './damage.js';
export { appendBatch, appendPacked } from './packed-logs.js';
