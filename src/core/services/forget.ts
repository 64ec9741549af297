/**
 * Forgetting everywhere: what the user wants gone leaves the memory, every saved version, the
 * summaries, the session journals, the REPL's input history, archival memory, the kept sessions
 * of episodic memory and the search index, over the storage interface.
 */
import { UsageError } from '../errors.js';
import type { Decision, Fact } from '../schema.js';
import type { MemoryStore, PurgeReport } from '../storage/store.js';
import { normalizeText } from '../text-match.js';

/**
 * Texts shorter than this (normalized chars) are not looked for in journals, input history and
 * summaries when forgetting by id: a two-word quote like "yes ok" would take unrelated lines along.
 */
const MIN_TRACE_CHARS = 8;

/**
 * What to forget everywhere: items by id, or everything mentioning a text: as whole words
 * (`mentionsWords`, the default) or, with `substring`, anywhere (`containsText`).
 */
export type ForgetTarget = { ids: string[] } | { text: string; substring?: boolean };

/** What `forgetEverywhere` did: `purge`'s report plus the lines scrubbed outside memory files. */
export interface ForgetEverywhereReport extends PurgeReport {
  /** Journal lines removed (pending and live journals). */
  journalLines: number;
  /** Input-history lines removed. */
  inputHistoryLines: number;
  /** Requested ids found in no version (ids target only). */
  unknownIds: string[];
  /**
   * Files that could not be searched, left as they are: quarantined journal entries (a directory,
   * an oversized file), moved-aside memories and archive segments or kept sessions that cannot be
   * read or decrypted.
   */
  journalsUnsearched: string[];
  /** Items removed from archival memory (what caps moved out of the memory file). */
  archivedItems: number;
  /** Lines removed from kept sessions (episodic memory). */
  sessionLines: number;
}

/**
 * Forgets, so that no trace is left under the memory dir, what the user wants gone:
 * - `{ text }`: every fact and decision whose text, topic, decision or source quote mentions it
 *   as whole words (`mentionsWords`; with `substring: true`, anywhere: `containsText`), and in
 *   every version's summary, journal turn and input-history line, the sentences/lines that do;
 * - `{ ids }`: those facts and decisions, then the summary sentences, journal turns and
 *   input-history lines containing their text or source quote (the user's own words; texts
 *   under 8 normalized chars are not searched for).
 * Memory and saved versions go through `store.purge` (under the lock), journals through
 * `store.journals.forget`, input history through `store.inputHistory.forget`, archived items
 * (by id: also those only the archive holds), kept sessions' turns and the search index through
 * `store.archive.forget` (under the lock). Not undoable. Idempotent.
 * @throws UsageError for an empty text or an invalid id; MemoryFileError if the current file is
 *   corrupt (nothing written); LockError.
 */
export async function forgetEverywhere(store: MemoryStore, userId: string, target: ForgetTarget): Promise<ForgetEverywhereReport> {
  if ('text' in target) {
    if (normalizeText(target.text) === '') throw new UsageError('the text to forget is empty (give some letters or digits)');
    const mentions = textMatcher(target);
    const report = await store.purge(userId, (item) => itemTexts(item).some((t) => mentions(t)), {
      summary: (summary) => dropSentences(summary, mentions),
    });
    const journalsUnsearched: string[] = [];
    const journalLines = await store.journals.forget(userId, mentions, journalsUnsearched);
    const inputHistoryLines = await store.inputHistory.forget(userId, mentions);
    const archive = await store.archive.forget(userId, (item) => itemTexts(item).some((t) => mentions(t)), mentions);
    journalsUnsearched.push(...(report.unsearched ?? []), ...(archive.unsearched ?? []));
    return { ...report, journalLines, inputHistoryLines, unknownIds: [], journalsUnsearched, archivedItems: archive.items, sessionLines: archive.turns };
  }
  const wanted = new Set(target.ids);
  // Items only archival memory holds (moved out of the file by a cap) are forgotten by id too,
  // and their words looked for like those of the file's.
  const archived = (await store.archive.items(userId)).items.map((a) => a.item).filter((item) => wanted.has(item.id));
  const report = await store.purge(userId, (item) => wanted.has(item.id), {
    summary: (summary, matched) => dropSentencesContaining(summary, traceTexts([...matched, ...archived])),
  });
  const found = new Set([...report.matched, ...archived].map((item) => item.id));
  const unknownIds = target.ids.filter((id) => !found.has(id));
  const traces = traceTexts([...report.matched, ...archived]);
  let journalLines = 0;
  const unsearched = new Set<string>();
  for (const t of traces) {
    const found: string[] = [];
    journalLines += await store.journals.forget(userId, t, found);
    for (const path of found) unsearched.add(path);
  }
  const mentionsTrace = (text: string) => traces.some((t) => containsText(text, t));
  const inputHistoryLines = await store.inputHistory.forget(userId, mentionsTrace);
  const archive = await store.archive.forget(userId, (item) => wanted.has(item.id), mentionsTrace);
  return {
    ...report,
    journalLines,
    inputHistoryLines,
    unknownIds,
    journalsUnsearched: [...unsearched, ...(report.unsearched ?? []), ...(archive.unsearched ?? [])],
    archivedItems: archive.items,
    sessionLines: archive.turns,
  };
}

/**
 * Whether `haystack` mentions `text`: `text` is a substring of it after `normalizeText` on both
 * (case, punctuation and apostrophes ignored), or a case-insensitive raw substring. Deliberately
 * generous: forgetting a little too much is fixable, a leftover trace is not. Pure; an empty
 * `text` matches nothing.
 */
export function containsText(haystack: string, text: string): boolean {
  const needle = normalizeText(text);
  const raw = text.trim().toLowerCase();
  return (needle !== '' && normalizeText(haystack).includes(needle)) || (raw !== '' && haystack.toLowerCase().includes(raw));
}

/**
 * Whether `haystack` mentions `text` as whole words: after `normalizeText` on both (case,
 * punctuation and apostrophes ignored), the words of `text` appear in `haystack` in a row, each
 * a whole word ("lisbon" finds "I live in Lisbon, Portugal" but "e" does not find "tea", nor
 * "art" "Mozart"). Pure; an empty `text` matches nothing.
 */
export function mentionsWords(haystack: string, text: string): boolean {
  const needle = normalizeText(text);
  return needle !== '' && ` ${normalizeText(haystack)} `.includes(` ${needle} `);
}

/** The test `forgetEverywhere` applies for a text target: whole words, or any substring. */
export function textMatcher(target: { text: string; substring?: boolean }): (haystack: string) => boolean {
  const text = target.text.trim();
  return target.substring ? (h) => containsText(h, text) : (h) => mentionsWords(h, text);
}

/**
 * `summary` without its sentences (split after `.`, `!` or `?` and whitespace) that contain any of
 * `texts` (`containsText`), the rest joined by one space. Returns `summary` itself when nothing is
 * dropped. Pure.
 */
export function dropSentencesContaining(summary: string, texts: readonly string[]): string {
  return dropSentences(summary, (s) => texts.some((t) => containsText(s, t)));
}

/** The sentences of `summary` (split as `dropSentencesContaining` does) that `match`. Pure. */
export function sentencesMatching(summary: string, match: (sentence: string) => boolean): string[] {
  return summary === '' ? [] : summary.split(/(?<=[.!?])\s+/u).filter(match);
}

function dropSentences(summary: string, match: (sentence: string) => boolean): string {
  const sentences = summary.split(/(?<=[.!?])\s+/u);
  const kept = sentences.filter((s) => !match(s));
  return kept.length === sentences.length ? summary : kept.join(' ').trim();
}

/** What `forgetEverywhere` with a text target would delete, as far as it can be seen without a write. */
export interface ForgetPreview {
  /** Facts (any status) and decisions of the current memory that match. */
  items: Array<Fact | Decision>;
  /** Sentences of the current summary that match. */
  summarySentences: string[];
  /** Matching turns in journals waiting for extraction (running sessions' journals not read). */
  journalTurns: number;
  /** How many pending journals hold them. */
  journals: number;
  /** Matching entries of the REPL's input history, as the REPL reads it (lines it cannot read are scrubbed too, not counted). */
  inputHistoryLines: number;
  /** Saved versions (for `undo`) that will be searched and scrubbed too; their contents are not read here. */
  historyVersions: number;
  /** Items of archival memory (moved out of the memory file by a cap) that match. */
  archivedItems: Array<Fact | Decision>;
  /** Matching lines (turns, tool calls) of kept sessions (episodic memory). */
  sessionTurns: number;
  /** How many kept sessions hold them. */
  sessions: number;
}

/**
 * What `forgetEverywhere(store, userId, target)` would delete, read without writing or locking:
 * the current memory's matching items and summary sentences, matching turns of pending journals
 * and input-history lines, matching archived items and kept sessions' turns, and how many saved
 * versions will be searched as well. The deletion
 * itself matches again when it runs, so something written in between is judged the same way.
 * @throws UsageError for an empty text; MemoryFileError for a corrupt memory file.
 */
export async function previewForget(store: MemoryStore, userId: string, target: { text: string; substring?: boolean }): Promise<ForgetPreview> {
  if (normalizeText(target.text) === '') throw new UsageError('the text to forget is empty (give some letters or digits)');
  const mentions = textMatcher(target);
  const { memory } = await store.load(userId);
  const items = [...memory.facts, ...memory.decisions].filter((item) => itemTexts(item).some((t) => mentions(t)));
  let journalTurns = 0;
  let journals = 0;
  for (const ref of await store.journals.listPending(userId)) {
    const contents = await store.journals.read(ref).catch(() => null);
    const hits = contents?.turns.filter((t) => mentions(t.text)).length ?? 0;
    journalTurns += hits;
    if (hits > 0) journals++;
  }
  const { entries } = await store.inputHistory.open(userId);
  const archivedItems = (await store.archive.items(userId)).items.map((a) => a.item).filter((item) => itemTexts(item).some((t) => mentions(t)));
  let sessionTurns = 0;
  let sessions = 0;
  for (const { sessionId } of await store.archive.sessions(userId)) {
    const episode = await store.archive.readSession(userId, sessionId);
    const hits =
      (episode?.turns.filter((t) => mentions(t.text)).length ?? 0) +
      (episode?.tools?.filter((t) => mentions(JSON.stringify(t.input) ?? '') || mentions(t.result)).length ?? 0);
    sessionTurns += hits;
    if (hits > 0) sessions++;
  }
  return {
    items,
    summarySentences: sentencesMatching(memory.summary, mentions),
    journalTurns,
    journals,
    inputHistoryLines: entries.filter((e) => mentions(e)).length,
    historyVersions: (await store.history(userId)).length,
    archivedItems,
    sessionTurns,
    sessions,
  };
}

/** Every text an item carries, for forgetting by text. */
function itemTexts(item: Fact | Decision): string[] {
  return 'text' in item ? [item.text, item.source.quote] : [item.topic, item.decision, item.source.quote];
}

/** The stored text and the user's words of forgotten items, to look for elsewhere. */
function traceTexts(items: ReadonlyArray<Fact | Decision>): string[] {
  const texts = items.flatMap((item) => ('text' in item ? [item.text, item.source.quote] : [item.decision, item.source.quote]));
  // Without end punctuation: the quote "I live in Lisbon." must also find "I live in Lisbon, near…".
  const bare = texts.map((t) => t.trim().replace(/[\s.!?,;:…]+$/u, ''));
  return [...new Set(bare)].filter((t) => normalizeText(t).length >= MIN_TRACE_CHARS);
}
