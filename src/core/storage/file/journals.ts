/**
 * The file store's session journals (`<dir>/journal/<userId>/<sessionId>.jsonl`, see paths.ts):
 * writing them (journal-writer.ts) and finding, claiming, reading and scrubbing them
 * (journal-pending.ts), bound to one memory dir as a `JournalStore`.
 */
import { basename, dirname } from 'node:path';
import type { JournalContents } from '../../journal/journal.js';
import type { JournalStore } from '../store.js';
import { claimJournal, countJournals, forgetInJournals, listPending, readJournal, retire } from './journal-pending.js';
import { openJournal, type Journal } from './journal-writer.js';
import type { HeldLock } from './lock.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';

export { claimJournal, countJournals, forgetInJournals, listPending, readJournal, retire } from './journal-pending.js';
export { Journal, openJournal, type OpenJournalOptions } from './journal-writer.js';
export { journalDirFor } from './paths.js';

/** The `JournalStore` of a memory dir: the functions above, bound to `dir`. */
export class FileJournalStore implements JournalStore {
  /** `cipher`: how journals are written and read (encrypted or not; see age-cipher.ts). */
  constructor(
    private readonly dir: string,
    private readonly cipher: FileCipher = PLAINTEXT,
  ) {}

  open(opts: { userId: string; sessionId: string; model: string; now: Date }): Promise<Journal> {
    return openJournal({ dir: this.dir, cipher: this.cipher, ...opts });
  }

  listPending(userId: string, except?: string): Promise<string[]> {
    return listPending(this.dir, userId, except, this.cipher);
  }

  /** See `readJournal`: the user a journal must belong to is the one whose journal dir holds it. */
  async read(ref: string): Promise<JournalContents & { sessionId: string }> {
    return { ...(await readJournal(ref, basename(dirname(ref)), this.cipher)), sessionId: basename(ref, '.jsonl') };
  }

  claim(ref: string): Promise<HeldLock | null> {
    return claimJournal(ref);
  }

  retire(ref: string): Promise<void> {
    return retire(ref);
  }

  forget(userId: string, text: string | ((text: string) => boolean), unsearched?: string[]): Promise<number> {
    return forgetInJournals(this.dir, userId, text, unsearched, this.cipher);
  }

  count(userId: string): Promise<number> {
    return countJournals(this.dir, userId);
  }
}
