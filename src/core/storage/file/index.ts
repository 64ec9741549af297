/**
 * The file store's entry point, for the composition root (src/cli/compose.ts) only: everything
 * else uses the `MemoryStore` interface.
 */
export { FileMemoryStore, type FileMemoryStoreOptions } from './file-store.js';
