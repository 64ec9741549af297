/**
 * Forgetting everywhere: what the user wants gone leaves the memory, every saved version, the
 * summaries, the session journals and the REPL's input history, over the storage interface.
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

/** What to forget everywhere: items by id, or everything mentioning a text. */
export type ForgetTarget = { ids: string[] } | { text: string };

/** What `forgetEverywhere` did: `purge`'s report plus the lines scrubbed outside memory files. */
export interface ForgetEverywhereReport extends PurgeReport {
  /** Journal lines removed (pending and live journals). */
  journalLines: number;
  /** Input-history lines removed. */
  inputHistoryLines: number;
  /** Requested ids found in no version (ids target only). */
  unknownIds: string[];
}

/**
 * Forgets, so that no trace is left under the memory dir, what the user wants gone:
 * - `{ text }`: every fact and decision whose text, topic, decision or source quote contains it
 *   (`containsText`), and in every version's summary, journal turn and input-history line, the
 *   sentences/lines that contain it;
 * - `{ ids }`: those facts and decisions, then the summary sentences, journal turns and
 *   input-history lines containing their text or source quote (the user's own words; texts
 *   under 8 normalized chars are not searched for).
 * Memory and saved versions go through `store.purge` (under the lock), journals through
 * `store.journals.forget`, input history through `store.inputHistory.forget`. Not undoable. Idempotent.
 * @throws UsageError for an empty text or an invalid id; MemoryFileError if the current file is
 *   corrupt (nothing written); LockError.
 */
export async function forgetEverywhere(store: MemoryStore, userId: string, target: ForgetTarget): Promise<ForgetEverywhereReport> {
  let report: PurgeReport;
  let traces: string[];
  let unknownIds: string[] = [];
  if ('text' in target) {
    const text = target.text.trim();
    if (normalizeText(text) === '') throw new UsageError('the text to forget is empty (give some letters or digits)');
    report = await store.purge(userId, (item) => itemTexts(item).some((t) => containsText(t, text)), {
      summary: (summary) => dropSentencesContaining(summary, [text]),
    });
    traces = [text];
  } else {
    const wanted = new Set(target.ids);
    report = await store.purge(userId, (item) => wanted.has(item.id), {
      summary: (summary, matched) => dropSentencesContaining(summary, traceTexts(matched)),
    });
    const found = new Set(report.matched.map((item) => item.id));
    unknownIds = target.ids.filter((id) => !found.has(id));
    traces = traceTexts(report.matched);
  }
  let journalLines = 0;
  for (const t of traces) journalLines += await store.journals.forget(userId, t);
  const inputHistoryLines = await store.inputHistory.forget(userId, (entry) => traces.some((t) => containsText(entry, t)));
  return { ...report, journalLines, inputHistoryLines, unknownIds };
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
 * `summary` without its sentences (split after `.`, `!` or `?` and whitespace) that contain any of
 * `texts` (`containsText`), the rest joined by one space. Returns `summary` itself when nothing is
 * dropped. Pure.
 */
export function dropSentencesContaining(summary: string, texts: readonly string[]): string {
  const sentences = summary.split(/(?<=[.!?])\s+/u);
  const kept = sentences.filter((s) => !texts.some((t) => containsText(s, t)));
  return kept.length === sentences.length ? summary : kept.join(' ').trim();
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
