/**
 * A chat session's journal as the session uses it: every line appended in order, and a store
 * that refuses a line (disk full, a read-only disk…) never ends the chat. Refused lines wait in
 * memory, oldest first, and are written before the next line once the store accepts again, so the
 * journal on disk always holds a prefix of the session, in order. Each change of state (stopped
 * being journaled, journaled again) is one `notice` event, told once.
 */
import type { SessionEvent } from './events.js';
import type { JournalClaim, SessionJournal } from './storage/store.js';
import type { JournalLine } from './schema.js';

type Notice = Extract<SessionEvent, { type: 'notice' }>;

/** `SessionJournal` with a backlog of refused lines. Not thread-safe (one session, one turn at a time). */
export class BacklogJournal {
  private readonly journal: SessionJournal;
  // Lines the store refused, oldest first. Not empty = the session is not being journaled.
  private backlog: JournalLine[] = [];
  // The store's last refusal while the backlog is not empty, else null.
  private refusal: unknown = null;
  // A change of journaling state not yet told to the user.
  private untold: Notice | null = null;

  constructor(journal: SessionJournal) {
    this.journal = journal;
  }

  /** Where the journal is (as the store names it). */
  get path(): string {
    return this.journal.path;
  }

  /** Lines refused so far and still held in memory (0 while journaling works). */
  get pendingLines(): number {
    return this.backlog.length;
  }

  /** Appends `line` after any refused lines. Never throws for a refusal (see `flush`). */
  append(line: JournalLine): void {
    this.backlog.push(line);
    this.flush();
  }

  /**
   * Writes the refused lines, in order. Returns null when all are on disk, else the store's
   * error (the lines stay held). Sets the notice to tell when the state changes.
   */
  flush(): unknown {
    if (this.backlog.length === 0) return null;
    const wasFailing = this.refusal !== null;
    try {
      while (this.backlog.length > 0) {
        this.journal.append(this.backlog[0]);
        this.backlog.shift();
      }
    } catch (error) {
      this.refusal = error;
      if (!wasFailing) {
        this.untold = {
          type: 'notice',
          level: 'warning',
          text: `cannot write this session's journal (${messageOf(error)}): the chat goes on, but from this turn on it is not kept on disk until there is room`,
        };
      }
      return error;
    }
    this.refusal = null;
    if (wasFailing) this.untold = { type: 'notice', level: 'info', text: "the session's journal is written again; nothing typed meanwhile was lost" };
    return null;
  }

  /** The notice not yet told, if any; told once (the next call returns null). */
  takeNotice(): Notice | null {
    const notice = this.untold;
    this.untold = null;
    return notice;
  }

  /** Closes the journal; it stays pending for the next run. */
  close(): Promise<void> {
    return this.journal.close();
  }

  /** Closes the journal and hands its liveness lock to the extraction (see `SessionJournal.handOver`). */
  handOver(): JournalClaim {
    return this.journal.handOver();
  }
}

/** The message of an error, or its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
