/**
 * What grounding did not keep, in a form the exit report, `chat --review` and `show --dropped`
 * can list: the dropped item with its reason, and one readable line per item. Pure, no I/O.
 */
import type { Confidence, FactKind } from './schema.js';

/**
 * Why an item was not kept: its quote's refusal (see `QuoteRefusal`), a handle that names no
 * fact, or (`unkept-fact`, long sessions) a fact an earlier chunk proposed that was not kept
 * (rejected under `--review`, or not stored).
 */
export type DropReason = 'not-found' | 'empty' | 'too-short' | 'drops-negation' | 'unknown-fact' | 'unkept-fact';

/**
 * One proposed item grounding did not keep, for the exit report, `--review` ("keep it anyway")
 * and the session archive. Texts and quote are redacted and on one line (never cut), so the item
 * can be shown and stored as is. Items dropped by the count caps or for an empty text are not
 * listed (they are counted in `GroundingReport.clamped`).
 */
export interface DroppedItem {
  /** Which op proposed it. */
  op: 'add' | 'update' | 'supersede' | 'retract' | 'decision';
  /** The fact text (add/update/supersede), "topic: decision" (decision), or '' (retract: it names a fact by handle only). */
  text: string;
  /** The fact kind and the model's confidence, for add and supersede (so `--review` can keep it anyway). */
  kind?: FactKind;
  confidence?: Confidence;
  /** The topic and decision of a decision, as proposed (redacted, one line). */
  topic?: string;
  decision?: string;
  /** The handle of the fact it named (update/supersede/retract), as the model gave it. */
  fact?: number;
  /** The quote the model gave. */
  quote: string;
  reason: DropReason;
  /** For 'drops-negation': the word left out ("not", "used", "jamais"), as the user wrote it. */
  word?: string;
}

// The longest item text, in characters (code points), `formatDroppedItem` shows before cutting it with "…".
const SHOWN_TEXT_MAX = 80;

/**
 * Why an item was not kept, in words a user reads: "quote not found in your words",
 * "quote leaves out 'not'"… Pure.
 */
export function describeDropReason(reason: DropReason, word?: string): string {
  switch (reason) {
    case 'not-found':
      return 'quote not found in your words';
    case 'empty':
      return 'no quote of your words';
    case 'too-short':
      return 'quote too short to show what you meant';
    case 'drops-negation':
      return `quote leaves out '${word ?? 'not'}'`;
    case 'unknown-fact':
      return 'names a fact that does not exist';
    case 'unkept-fact':
      return 'names a fact that was not kept';
  }
}

/**
 * One line for the exit report, `--review` or `show --dropped`:
 * `not kept: 'Lives in Zürich' — quote not found in your words`. A retraction (no text of its
 * own) shows its quote: `not kept: forget fact 3 ('I no longer…') — …`. Texts over 80 characters
 * (code points) are cut to 79 and "…", never inside an emoji. Pure; no trailing newline.
 */
export function formatDroppedItem(item: DroppedItem): string {
  // Counted in code points, as it is cut: 50 emoji are 100 UTF-16 units but fit whole.
  const show = (t: string): string => {
    const chars = Array.from(t);
    return chars.length > SHOWN_TEXT_MAX ? `${chars.slice(0, SHOWN_TEXT_MAX - 1).join('').trimEnd()}…` : t;
  };
  const what = item.op === 'retract' ? `forget fact ${item.fact ?? '?'} ('${show(item.quote)}')` : `'${show(item.text)}'`;
  return `not kept: ${what} — ${describeDropReason(item.reason, item.word)}`;
}
