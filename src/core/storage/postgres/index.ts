/**
 * The PostgreSQL store's entry point, for the composition root (src/cli/compose.ts) only:
 * everything else uses the `MemoryStore` interface. Importing this does not load `pg`.
 */
export { PostgresMemoryStore, type PostgresMemoryStoreOptions } from './postgres-store.js';
export { describeDatabase } from './pg-errors.js';
export { DatabaseUnavailableError } from './pg-errors.js';
export { unavailableStore } from './unavailable.js';
