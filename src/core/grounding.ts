/**
 * From the extraction model's answer to merge ops: map fact handles to ids, drop (and list, with
 * the reason) items the user never said, clamp hostile sizes, redact secrets and pin relative
 * dates to the calendar. The quote test itself is `alignQuote` (grounding-align.ts).
 * Pure: the session date is a parameter, no I/O.
 */
import type { Extraction, Fact, MergeOps } from './schema.js';
import { redactSecrets } from './redact.js';
import { type QuoteVerdict, alignQuote, prepareTurns } from './grounding-align.js';

import type { DropReason, DroppedItem } from './grounding-report.js';

export type { QuoteVerdict, QuoteRefusal } from './grounding-align.js';
export { type DropReason, type DroppedItem, describeDropReason, formatDroppedItem } from './grounding-report.js';

/**
 * How many items of each op one session's extraction may contribute; the rest is dropped and
 * counted in `clamped`. A real conversation yields a handful of each; 30 leaves room for a long
 * session while one runaway answer cannot flood the 60-fact memory or the exit diff.
 */
export const EXTRACTION_COUNT_CAPS = {
  add: 30,
  update: 30,
  supersede: 30,
  retract: 30,
  // Decisions are rarer and the memory keeps only 20 of them.
  decisions: 10,
} as const;

/**
 * Maximum length, in UTF-16 chars, of each text after redaction; longer texts are cut with "…".
 * A fact is one sentence (300 leaves room for the absolute dates appended to relative ones, under
 * the schema's 500); a quote is a short span of the user's words; the summary is compressed prose
 * that must leave most of the 2,000-token memory block to facts.
 */
export const EXTRACTION_TEXT_CAPS = {
  factText: 300,
  quote: 200,
  topic: 100,
  decision: 300,
  summary: 1200,
} as const;

/** What grounding removed or changed, for the session log and the exit line. All are counts of items or fields. */
export interface GroundingReport {
  /**
   * Items whose quote `alignQuote` refused: not in the user's turns (the model made it up or
   * quoted itself), too short to state anything, or cut right after a negation it leaves out.
   * Each is also listed in `groundExtraction`'s `dropped`.
   */
  droppedUngrounded: number;
  /** update/supersede/retract items whose handle is not in the handle table. */
  droppedUnknownIds: number;
  /** Items dropped over the count caps or for empty text, plus text fields cut to their cap. */
  clamped: number;
  /** Secrets replaced by `[redacted:<kind>]` in the kept items (texts and quotes). */
  redacted: number;
}

/** Inputs of `groundExtraction` besides the extraction itself. */
export interface GroundingContext {
  /** The text of every user turn of the session (assistant turns cannot ground a memory). */
  userTurns: string[];
  /** Handle → fact id, from `buildHandles` over the facts shown to the extraction model. */
  handles: Map<number, string>;
  /** When the session happened; its UTC calendar day anchors "today", "next Friday"… */
  sessionDate: Date;
}

/**
 * The handle table shown to the extraction model: active facts numbered 1..n, ordered by
 * `createdAt` then id so the numbering does not depend on array order. Non-active facts in the
 * input are skipped. Pure; the returned Map iterates in handle order.
 */
export function buildHandles(facts: readonly Fact[]): Map<number, string> {
  const active = facts
    .filter((f) => f.status === 'active')
    .sort((a, b) => {
      if (a.createdAt < b.createdAt) return -1;
      if (a.createdAt > b.createdAt) return 1;
      // Stryker disable next-line EqualityOperator,ConditionalExpression: ids are unique, and Array.prototype.sort only asks whether the result is negative, so '<=' / '>=' / 0 for 1 on ids sort the same
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
  return new Map(active.map((f, i) => [i + 1, f.id]));
}

/**
 * Turns an extraction into merge ops. For each item, in order:
 * count caps (`EXTRACTION_COUNT_CAPS`), empty text dropped, handle mapped to an id (unknown:
 * dropped and listed in `dropped`), quote grounded (after redaction of both sides, `alignQuote`
 * must find the quote in the user's turns, else dropped, counted and listed in `dropped` with the
 * reason), texts redacted, relative dates resolved against `sessionDate` (fact and decision texts
 * only), then texts cut to `EXTRACTION_TEXT_CAPS`. A kept item stores the quote as the model gave
 * it (redacted, one line, cut to its cap).
 * Redaction happens before cutting so a cut can never leave half a card number unrecognised.
 * An empty summary becomes `undefined` (keep the old one): silence is not "forget everything".
 *
 * Pure. Throws RangeError only if `sessionDate` is an invalid Date and a relative date needs it.
 */
export function groundExtraction(
  extraction: Extraction,
  ctx: GroundingContext,
): { ops: MergeOps; report: GroundingReport; dropped: DroppedItem[] } {
  const report: GroundingReport = { droppedUngrounded: 0, droppedUnknownIds: 0, clamped: 0, redacted: 0 };
  const dropped: DroppedItem[] = [];
  const turns = prepareTurns(ctx.userTurns.map((t) => redactSecrets(t).text));

  const capped = <T>(items: T[], cap: number): T[] => {
    // Stryker disable next-line EqualityOperator: at exactly the cap, items.length - cap adds 0
    if (items.length > cap) report.clamped += items.length - cap;
    return items.slice(0, cap);
  };
  // The item as listed in `dropped`: redacted, one line, not counted in `report.redacted`.
  const drop = (item: Omit<DroppedItem, 'reason' | 'word'>, reason: DropReason, word?: string): void => {
    const shown = (t: string): string => redactSecrets(oneLine(t)).text;
    const listed: DroppedItem = { ...item, text: shown(item.text), quote: shown(item.quote), reason };
    if (item.topic !== undefined) listed.topic = shown(item.topic);
    if (item.decision !== undefined) listed.decision = shown(item.decision);
    if (word !== undefined) listed.word = word;
    dropped.push(listed);
  };
  const idOf = (handle: number, item: Omit<DroppedItem, 'reason' | 'word'>): string | undefined => {
    const id = ctx.handles.get(handle);
    if (id === undefined) {
      report.droppedUnknownIds++;
      drop(item, 'unknown-fact');
    }
    return id;
  };
  // Returns the stored quote, or undefined (counted and listed) when the user never said it.
  const ground = (item: Omit<DroppedItem, 'reason' | 'word'>): string | undefined => {
    const redacted = redactSecrets(item.quote);
    const verdict = alignQuote(redacted.text, turns);
    if (!verdict.ok) {
      report.droppedUngrounded++;
      // Stryker disable next-line ConditionalExpression: only a 'drops-negation' refusal has a word; on the others it is undefined already
      drop(item, verdict.reason, verdict.reason === 'drops-negation' ? verdict.word : undefined);
      return undefined;
    }
    report.redacted += redacted.count;
    return cut(oneLine(redacted.text), EXTRACTION_TEXT_CAPS.quote);
  };
  const clean = (text: string, cap: number, dates: boolean): string => {
    const redacted = redactSecrets(oneLine(text));
    report.redacted += redacted.count;
    return cut(dates ? resolveRelativeDates(redacted.text, ctx.sessionDate) : redacted.text, cap);
  };
  const cut = (text: string, cap: number): string => {
    if (text.length <= cap) return text;
    report.clamped++;
    return clip(text, cap);
  };
  const nonEmpty = (...texts: string[]): boolean => {
    if (texts.every((t) => t.trim() !== '')) return true;
    report.clamped++;
    return false;
  };

  const ops: MergeOps = { add: [], update: [], supersede: [], retract: [], decisions: [] };
  for (const item of capped(extraction.add, EXTRACTION_COUNT_CAPS.add)) {
    if (!nonEmpty(item.text)) continue;
    const quote = ground({ op: 'add', text: item.text, kind: item.kind, confidence: item.confidence, quote: item.quote });
    if (quote === undefined) continue;
    const text = clean(item.text, EXTRACTION_TEXT_CAPS.factText, true);
    ops.add.push({ text, kind: item.kind, confidence: item.confidence, quote });
  }
  for (const item of capped(extraction.update, EXTRACTION_COUNT_CAPS.update)) {
    if (!nonEmpty(item.text)) continue;
    const shown = { op: 'update' as const, text: item.text, fact: item.fact, quote: item.quote };
    const id = idOf(item.fact, shown);
    if (id === undefined) continue;
    const quote = ground(shown);
    if (quote === undefined) continue;
    ops.update.push({ id, text: clean(item.text, EXTRACTION_TEXT_CAPS.factText, true), quote });
  }
  for (const item of capped(extraction.supersede, EXTRACTION_COUNT_CAPS.supersede)) {
    if (!nonEmpty(item.text)) continue;
    const shown = { op: 'supersede' as const, text: item.text, kind: item.kind, confidence: item.confidence, fact: item.fact, quote: item.quote };
    const id = idOf(item.fact, shown);
    if (id === undefined) continue;
    const quote = ground(shown);
    if (quote === undefined) continue;
    const text = clean(item.text, EXTRACTION_TEXT_CAPS.factText, true);
    ops.supersede.push({ id, text, kind: item.kind, confidence: item.confidence, quote });
  }
  for (const item of capped(extraction.retract, EXTRACTION_COUNT_CAPS.retract)) {
    const shown = { op: 'retract' as const, text: '', fact: item.fact, quote: item.quote };
    const id = idOf(item.fact, shown);
    if (id === undefined) continue;
    const quote = ground(shown);
    if (quote === undefined) continue;
    ops.retract.push({ id, quote });
  }
  for (const item of capped(extraction.decisions, EXTRACTION_COUNT_CAPS.decisions)) {
    if (!nonEmpty(item.topic, item.decision)) continue;
    const quote = ground({ op: 'decision', text: `${item.topic}: ${item.decision}`, topic: item.topic, decision: item.decision, quote: item.quote });
    if (quote === undefined) continue;
    const topic = clean(item.topic, EXTRACTION_TEXT_CAPS.topic, false);
    const decision = clean(item.decision, EXTRACTION_TEXT_CAPS.decision, true);
    ops.decisions.push({ topic, decision, quote });
  }
  if (extraction.summary.trim() !== '') {
    const redacted = redactSecrets(extraction.summary.trim());
    report.redacted += redacted.count;
    ops.summary = cut(redacted.text, EXTRACTION_TEXT_CAPS.summary);
  }
  return { ops, report, dropped };
}

/**
 * Whether the user said `quote`, for a single grounded write (the memory tools'
 * `memory_remember`/`memory_update`): both sides redacted first, then `alignQuote` over
 * `userTurns` (user turns only, in session order). For many quotes against the same turns, use
 * `groundExtraction` (it tokenises the turns once). Pure.
 */
export function groundQuote(quote: string, userTurns: readonly string[]): QuoteVerdict {
  return alignQuote(redactSecrets(quote).text, prepareTurns(userTurns.map((t) => redactSecrets(t).text)));
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

// Cuts to at most `max` UTF-16 chars ending in "…", never splitting a surrogate pair.
function clip(text: string, max: number): string {
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end).trimEnd()}…`;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const DAY_MS = 86_400_000;

// Longest phrases first so "the day after tomorrow" is not read as "tomorrow". The negative
// lookahead skips a phrase already followed by its date, which makes resolution idempotent.
const RELATIVE_DATE =
  /\b(?:(day after tomorrow|day before yesterday)|(today|tonight|tomorrow|yesterday)|(next|this) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(next week))\b(?! ?\((?:\d{4}-\d{2}-\d{2}|week of))/gi;

/**
 * Appends the absolute date in parentheses after each relative date phrase in `text`, counted in
 * UTC calendar days from `sessionDate`: "today"/"tonight", "tomorrow", "yesterday", "the day
 * after tomorrow"/"before yesterday", "this <weekday>" (the next such day, 0–6 days ahead, today
 * included), "next <weekday>" (that day in the following Monday-to-Sunday week: said on Thursday
 * 2026-11-19, "next Friday" is 2026-11-27 and "this Friday" 2026-11-20), and "next week"
 * ("(week of <its Monday>)").
 *
 * "dentist next Friday" → "dentist next Friday (2026-11-27)". Pure and idempotent (a phrase already
 * followed by a date is left alone). The caller passes a Date whose UTC day is the user's local
 * day. Throws RangeError if `sessionDate` is invalid and a phrase needs resolving.
 */
export function resolveRelativeDates(text: string, sessionDate: Date): string {
  const base = Date.UTC(sessionDate.getUTCFullYear(), sessionDate.getUTCMonth(), sessionDate.getUTCDate());
  const iso = (days: number): string => new Date(base + days * DAY_MS).toISOString().slice(0, 10);
  const todayIdx = (sessionDate.getUTCDay() + 6) % 7; // Monday = 0
  const nextMonday = 7 - todayIdx;
  return text.replace(RELATIVE_DATE, (match, twoDays?: string, oneDay?: string, which?: string, weekday?: string) => {
    let date: string;
    if (twoDays) date = iso(twoDays.toLowerCase().includes('after') ? 2 : -2);
    else if (oneDay) {
      const w = oneDay.toLowerCase();
      date = iso(w === 'tomorrow' ? 1 : w === 'yesterday' ? -1 : 0);
    } else if (weekday) {
      // `which` ("this"/"next") always comes with a weekday in RELATIVE_DATE.
      const target = WEEKDAYS.indexOf(weekday.toLowerCase());
      date = iso(which!.toLowerCase() === 'this' ? (target - todayIdx + 7) % 7 : nextMonday + target);
    } else date = `week of ${iso(nextMonday)}`; // the only other alternative: "next week"
    return `${match} (${date})`;
  });
}
