export {
  openStore,
  Store,
  type NewAuditEntry,
  type NewRun,
  type RetentionOptions,
  type RetentionResult,
  type RunPatch,
  type StoreOptions,
} from './store.js';
export type { JobStateRow } from './rows.js';
export { backupsDirOf, databaseDamage, fileTimestamp, isCorruption, moveDatabaseAside, type MovedFile } from './damage.js';
