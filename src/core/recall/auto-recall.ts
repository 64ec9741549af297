/**
 * Automatic recall in a chat session: before each user turn is sent, search archival and
 * episodic memory with the user's message, choose what fits the budget (recall.ts), attach it to
 * that user message as a text block before the user's text, and tell the front end. The system
 * prompt never changes for it (its cached prefix holds), and earlier messages keep the blocks
 * they were sent with, so every request's prefix is byte-identical to the one before.
 *
 * A search that fails or is too slow never fails the turn: the message goes without recalled
 * memory and one notice says so (once, until a search works again).
 */
import type { SessionEvent } from '../events.js';
import type { ChatMessage, ContentBlock } from '../model-client.js';
import type { JournalLine } from '../schema.js';
import type { ArchiveStore } from '../storage/store.js';
import { chooseRecall, RECALL_SEARCH_LIMIT, type RecallBlock } from './recall.js';

/** How long a turn waits for the search (ms) before it is sent without recalled memory: a warm search takes milliseconds, a cold index load of a large archive can take a second or two. */
export const RECALL_TIMEOUT_MS = 5000;

/** Only this much of a long message (a pasted log, a file) is searched with (chars): its start says what it is about, and search time grows with the query's words. */
export const RECALL_QUERY_CHARS = 1000;

/** What was attached to one user message: the block, and when. */
export interface AttachedRecall extends RecallBlock {
  /** ISO time of the user turn it was attached to. */
  at: string;
}

/** Settings of `AutoRecall`. */
export interface AutoRecallOptions {
  userId: string;
  /** Tokens of recalled memory per message (estimated as the renderer does); 0 turns recall off (nothing is searched). */
  budgetTokens: number;
  /** See `RECALL_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/**
 * The automatic recall of one chat session: what was attached last. Reads only: it never writes
 * the store (the session journals the `recall` line), so an incognito session recalls too.
 */
export class AutoRecall {
  private lastAttached: AttachedRecall | null = null;
  private failing = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly archive: Pick<ArchiveStore, 'search'>,
    private readonly options: AutoRecallOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? RECALL_TIMEOUT_MS;
  }

  /** Whether recall is on (a budget above 0). */
  get enabled(): boolean {
    return this.options.budgetTokens > 0;
  }

  /** What was attached to the last user message, or null when nothing was (or no message was sent yet). */
  get last(): AttachedRecall | null {
    return this.lastAttached;
  }

  /**
   * Loads the user's search index in the background (one search, result dropped), so the first
   * turn does not wait for it. Call once the prompt is drawn; idempotent enough to call again.
   * Never throws and never rejects.
   */
  warm(): void {
    if (!this.enabled) return;
    this.archive.search(this.options.userId, 'memagent', { limit: 1 }).catch(() => undefined);
  }

  /**
   * Searches with `message` and chooses what to attach. Emits `recall` (count, tokens) when
   * something is attached, and a `notice` when the search failed or timed out (once, until a
   * search works again). Never throws: on any failure the result is null.
   * @param at ISO time of the user turn.
   * @param inCore ids of the facts and decisions the system prompt's memory block shows (`renderedIds`): never recalled again.
   */
  async recall(message: string, at: string, onEvent: (event: SessionEvent) => void, inCore: ReadonlySet<string> = new Set()): Promise<AttachedRecall | null> {
    this.lastAttached = null;
    if (!this.enabled) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const search = this.archive.search(this.options.userId, message.slice(0, RECALL_QUERY_CHARS), { limit: RECALL_SEARCH_LIMIT });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      });
      search.catch(() => undefined);
      const hits = await Promise.race([search, timeout]);
      this.failing = false;
      const block = chooseRecall(hits, { inCore, budgetTokens: this.options.budgetTokens });
      if (!block) return null;
      this.lastAttached = { ...block, at };
      onEvent({ type: 'recall', count: block.hits.length, tokens: block.tokens });
      return this.lastAttached;
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        const why = error instanceof Error ? error.message : String(error);
        onEvent({ type: 'notice', level: 'warning', text: `could not search earlier sessions (${why}); this message is sent without recalled memory` });
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The content of a user message: the text alone without recalled memory, or two text blocks,
 * the recalled block first and then the user's text exactly as typed. Pure.
 */
export function userMessage(text: string, recall: RecallBlock | null): ChatMessage {
  if (!recall) return { role: 'user', content: text };
  const content: ContentBlock[] = [
    { type: 'text', text: recall.text },
    { type: 'text', text },
  ];
  return { role: 'user', content };
}

/** The journal line recording what was attached to the user turn that follows it (ids and tokens). Pure. */
export function recallJournalLine(recall: AttachedRecall): Extract<JournalLine, { type: 'recall' }> {
  return { type: 'recall', at: recall.at, ids: recall.hits.map((h) => h.id), tokens: recall.tokens, follows: true };
}
