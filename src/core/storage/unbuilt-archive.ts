/**
 * PLACEHOLDER while issue 11's archives are being built (file store: storage/file, PostgreSQL:
 * storage/postgres): an archive that keeps nothing, so the rest of the tree compiles against the
 * `ArchiveStore` interface. `keepSession` only retires the journal (today's behaviour). Each store
 * replaces it with its real archive; this file is deleted then.
 */
import type { ArchiveStore, JournalStore } from './store.js';

/** An archive that keeps nothing (today's behaviour: a merged journal is deleted). */
export function unbuiltArchive(journals: JournalStore): ArchiveStore {
  return {
    keepSession: (_userId, ref) => journals.retire(ref),
    items: async () => ({ items: [], skipped: 0 }),
    sessions: async () => [],
    readSession: async () => null,
    search: async () => [],
    prune: async () => 0,
    forget: async () => ({ items: 0, turns: 0 }),
  };
}
