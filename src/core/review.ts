/**
 * `chat --review`: the extraction's proposed ops, one reviewable item each, so the user can accept
 * or reject every change before anything is written; and the items grounding did not keep, which
 * the user may keep anyway. Texts go through `terminalSafe`. Pure functions.
 */
import { resolveRelativeDates } from './grounding.js';
import { formatDroppedItem, type DroppedItem } from './grounding-report.js';
import type { Memory, MergeOps } from './schema.js';
import { terminalSafe } from './terminal-safe.js';

/** One proposed change, in words, pointing back at its op. */
export interface ReviewItem {
  /** `+ …`, `~ … (was: …)`, `- retracted: …`, `+ decided: …`, `~ summary: …`; for a dropped item `not kept: '…' — <reason>`. */
  text: string;
  op: { list: keyof Omit<MergeOps, 'summary'>; index: number } | { list: 'summary' };
  /**
   * Set on an item grounding did not keep (its quote was not found in the user's words):
   * accepting it keeps it anyway. Front ends ask about it on its own, default no, and "all the
   * rest" does not accept it.
   */
  dropped?: true;
}

/** Lists the ops of an extraction as review items, with the current texts of the facts they touch. */
export function reviewItems(memory: Memory, ops: MergeOps): ReviewItem[] {
  const textOf = (id: string) => memory.facts.find((f) => f.id === id)?.text ?? id;
  const items: ReviewItem[] = [];
  const push = (item: ReviewItem) => items.push({ ...item, text: terminalSafe(item.text) });
  ops.add.forEach((a, index) => push({ text: `+ ${a.text}`, op: { list: 'add', index } }));
  ops.update.forEach((u, index) => push({ text: `~ ${u.text} (was: ${textOf(u.id)})`, op: { list: 'update', index } }));
  ops.supersede.forEach((s, index) =>
    push({ text: `~ ${s.text} (was: ${textOf(s.id)})`, op: { list: 'supersede', index } }),
  );
  ops.retract.forEach((r, index) => push({ text: `- retracted: ${textOf(r.id)}`, op: { list: 'retract', index } }));
  ops.decisions.forEach((d, index) =>
    push({ text: `+ decided: ${d.topic}: ${d.decision}`, op: { list: 'decisions', index } }),
  );
  if (ops.summary !== undefined && ops.summary !== memory.summary) {
    push({ text: `~ summary: ${ops.summary}`, op: { list: 'summary' } });
  }
  return items;
}

/**
 * Keeps only the accepted items' ops. `accepted[i]` answers `items[i]`; a missing answer is a
 * rejection (nothing is written that the user did not accept).
 */
export function acceptedOps(ops: MergeOps, items: ReviewItem[], accepted: boolean[]): MergeOps {
  return acceptedWithOrigin(ops, items, accepted).ops;
}

/**
 * `acceptedOps`, and which op of `ops` each kept add and supersede is: `origin.add[i]` is the
 * index in `ops.add` of the result's `add[i]` (likewise `supersede`), so a caller can follow a
 * proposed op through the review. Pure.
 */
export function acceptedWithOrigin(
  ops: MergeOps,
  items: ReviewItem[],
  accepted: boolean[],
): { ops: MergeOps; origin: { add: number[]; supersede: number[] } } {
  const keep = new Set<string>();
  items.forEach((item, i) => {
    if (accepted[i] === true) keep.add(item.op.list === 'summary' ? 'summary' : `${item.op.list}:${item.op.index}`);
  });
  const kept = (list: keyof Omit<MergeOps, 'summary'>, length: number): number[] =>
    Array.from({ length }, (_, i) => i).filter((i) => keep.has(`${list}:${i}`));
  const filter = <T>(list: keyof Omit<MergeOps, 'summary'>, xs: T[]) => kept(list, xs.length).map((i) => xs[i]);
  return {
    ops: {
      ...(keep.has('summary') && ops.summary !== undefined ? { summary: ops.summary } : {}),
      add: filter('add', ops.add),
      update: filter('update', ops.update),
      supersede: filter('supersede', ops.supersede),
      retract: filter('retract', ops.retract),
      decisions: filter('decisions', ops.decisions),
    },
    origin: { add: kept('add', ops.add.length), supersede: kept('supersede', ops.supersede.length) },
  };
}

/**
 * The items grounding dropped that the user may keep anyway (`chat --review`), as ops and one
 * review item each (`dropped: true`, worded by `formatDroppedItem`). Not offered: an item naming a
 * fact that does not exist or was not kept (there is nothing to change), or whose handle is not in `handles`.
 * Kept texts get their relative dates resolved against `sessionDate` like grounded ones; the merge
 * clips over-long texts. `source[i]` is the dropped item `items[i]` offers, so the caller can stop
 * listing an item as not kept once the user kept it. Pure.
 */
export function droppedReview(
  dropped: readonly DroppedItem[],
  handles: ReadonlyMap<number, string>,
  sessionDate: Date,
): { ops: MergeOps; items: ReviewItem[]; source: DroppedItem[] } {
  const ops: MergeOps = { add: [], update: [], supersede: [], retract: [], decisions: [] };
  const items: ReviewItem[] = [];
  const source: DroppedItem[] = [];
  const dated = (t: string) => resolveRelativeDates(t, sessionDate);
  for (const d of dropped) {
    if (d.reason === 'unknown-fact' || d.reason === 'unkept-fact') continue;
    const id = d.fact === undefined ? undefined : handles.get(d.fact);
    let op: ReviewItem['op'] | undefined;
    if (d.op === 'add' && d.kind && d.confidence) {
      op = { list: 'add', index: ops.add.push({ text: dated(d.text), kind: d.kind, confidence: d.confidence, quote: d.quote }) - 1 };
    } else if (d.op === 'update' && id) {
      op = { list: 'update', index: ops.update.push({ id, text: dated(d.text), quote: d.quote }) - 1 };
    } else if (d.op === 'supersede' && id && d.kind && d.confidence) {
      op = { list: 'supersede', index: ops.supersede.push({ id, text: dated(d.text), kind: d.kind, confidence: d.confidence, quote: d.quote }) - 1 };
    } else if (d.op === 'retract' && id) {
      op = { list: 'retract', index: ops.retract.push({ id, quote: d.quote }) - 1 };
    } else if (d.op === 'decision' && d.topic && d.decision) {
      op = { list: 'decisions', index: ops.decisions.push({ topic: d.topic, decision: dated(d.decision), quote: d.quote }) - 1 };
    }
    if (op === undefined) continue;
    items.push({ text: terminalSafe(formatDroppedItem(d)), op, dropped: true });
    source.push(d);
  }
  return { ops, items, source };
}

/** `a` with `b`'s items appended to each list; `a`'s summary. Pure. */
export function concatOps(a: MergeOps, b: MergeOps): MergeOps {
  return {
    ...(a.summary !== undefined ? { summary: a.summary } : {}),
    add: [...a.add, ...b.add],
    update: [...a.update, ...b.update],
    supersede: [...a.supersede, ...b.supersede],
    retract: [...a.retract, ...b.retract],
    decisions: [...a.decisions, ...b.decisions],
  };
}
