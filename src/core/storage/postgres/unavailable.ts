/**
 * What `chat` works with while its database is down: a stand-in `MemoryStore` over the local
 * journals, so a session still starts and every turn is still journaled on this machine, while
 * nothing is read from or written to the database. Its `load` gives an empty memory (the user
 * was told memory is unavailable); everything that would touch the database throws the
 * unavailable error; and its journals refuse to be `read`, so the exit extraction stops before
 * any model call and the journal stays pending: the next run with the database up extracts it
 * into the database (extraction deferred, nothing lost).
 */
import { emptyMemory } from '../../schema.js';
import { validateUserId } from '../../user-id.js';
import type { ArchiveStore, JournalStore, MemoryStore } from '../store.js';
import type { DatabaseUnavailableError } from './pg-errors.js';

/**
 * A stand-in store for a chat while the database is down (see the module comment).
 * @param local the local store whose journals and input history are used (`checkUser` too).
 * @param location the database as named to people (no password).
 * @param cause why the database is unavailable; every refused call throws a `MemagentError` with its message.
 * @returns a store that never touches the database; reads and writes of memory throw, journals stay local.
 */
export function unavailableStore(
  local: Pick<MemoryStore, 'journals' | 'inputHistory' | 'checkUser'>,
  location: string,
  cause: DatabaseUnavailableError,
  now: () => Date = () => new Date(),
): MemoryStore {
  const refuse = async (): Promise<never> => {
    throw cause;
  };
  const journals: JournalStore = {
    open: (opts) => local.journals.open(opts),
    listPending: (userId, except) => local.journals.listPending(userId, except),
    // Extraction reads the journal first: refusing here defers it before any model call.
    read: refuse,
    claim: (ref) => local.journals.claim(ref),
    retire: (ref) => local.journals.retire(ref),
    forget: (userId, text, unsearched) => local.journals.forget(userId, text, unsearched),
    count: (userId) => local.journals.count(userId),
  };
  const archive: ArchiveStore = {
    keepSession: refuse,
    items: refuse,
    sessions: refuse,
    readSession: refuse,
    search: async () => [],
    prune: refuse,
    forget: refuse,
  };
  return {
    journals,
    inputHistory: local.inputHistory,
    archive,
    location,
    describeLocation: async (userId) => `${location}, user ${validateUserId(userId)}`,
    checkUser: (userId) => local.checkUser(userId),
    load: async (userId) => ({ memory: emptyMemory(validateUserId(userId), now()), exists: false }),
    update: refuse,
    history: refuse,
    undo: refuse,
    restore: refuse,
    purge: refuse,
    forget: refuse,
    forgetAll: refuse,
    listUsers: refuse,
  };
}
