/**
 * Up/Down over the prompt history: the pure navigation that keeps the unsent draft. The history
 * file itself (bounded, private, redacted, rewritten atomically) is the core's input-history store.
 */
import { HISTORY_LIMIT } from '../core/index.js';

export { HISTORY_LIMIT };

/** Where Up/Down is in the history: `index === entries.length` means the draft (not in history). */
export interface HistoryCursor {
  readonly index: number;
  /** What was typed before the first Up, restored by Down past the newest entry. */
  readonly draft: string;
}

/** Adds a submitted entry: skips an immediate duplicate, bounds the list. Returns a new array. */
export function pushEntry(entries: readonly string[], entry: string): string[] {
  if (!entry.trim() || entries[entries.length - 1] === entry) return [...entries];
  return [...entries, entry].slice(-HISTORY_LIMIT);
}

/**
 * One step back (Up) or forward (Down) from `cursor`, with `current` the text now in the prompt.
 * @returns the new cursor and the text to show, or null when there is nowhere to go.
 */
export function stepHistory(
  entries: readonly string[],
  cursor: HistoryCursor,
  current: string,
  direction: -1 | 1,
): { cursor: HistoryCursor; text: string } | null {
  const index = cursor.index + direction;
  if (index < 0 || index > entries.length) return null;
  const draft = cursor.index === entries.length ? current : cursor.draft;
  const text = index === entries.length ? draft : entries[index];
  return { cursor: { index, draft }, text };
}

/**
 * Ctrl+R: the newest entry before index `before` containing `query` (case-insensitive), or null.
 * An empty query matches nothing. Pure.
 */
export function searchHistory(entries: readonly string[], query: string, before: number): { index: number; text: string } | null {
  const q = query.toLowerCase();
  if (!q) return null;
  for (let i = Math.min(before, entries.length) - 1; i >= 0; i--) {
    if (entries[i].toLowerCase().includes(q)) return { index: i, text: entries[i] };
  }
  return null;
}
