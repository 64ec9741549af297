/**
 * `chat --review`: the extraction's proposed ops, one reviewable item each, so the user can accept
 * or reject every change before anything is written. Pure functions.
 */
import type { Memory, MergeOps } from './schema.js';

/** One proposed change, in words, pointing back at its op. */
export interface ReviewItem {
  /** `+ …`, `~ … (was: …)`, `- retracted: …`, `+ decided: …`, `~ summary: …`. */
  text: string;
  op: { list: keyof Omit<MergeOps, 'summary'>; index: number } | { list: 'summary' };
}

/** Lists the ops of an extraction as review items, with the current texts of the facts they touch. */
export function reviewItems(memory: Memory, ops: MergeOps): ReviewItem[] {
  const textOf = (id: string) => memory.facts.find((f) => f.id === id)?.text ?? id;
  const items: ReviewItem[] = [];
  ops.add.forEach((a, index) => items.push({ text: `+ ${a.text}`, op: { list: 'add', index } }));
  ops.update.forEach((u, index) => items.push({ text: `~ ${u.text} (was: ${textOf(u.id)})`, op: { list: 'update', index } }));
  ops.supersede.forEach((s, index) =>
    items.push({ text: `~ ${s.text} (was: ${textOf(s.id)})`, op: { list: 'supersede', index } }),
  );
  ops.retract.forEach((r, index) => items.push({ text: `- retracted: ${textOf(r.id)}`, op: { list: 'retract', index } }));
  ops.decisions.forEach((d, index) =>
    items.push({ text: `+ decided: ${d.topic}: ${d.decision}`, op: { list: 'decisions', index } }),
  );
  if (ops.summary !== undefined && ops.summary !== memory.summary) {
    items.push({ text: `~ summary: ${ops.summary}`, op: { list: 'summary' } });
  }
  return items;
}

/**
 * Keeps only the accepted items' ops. `accepted[i]` answers `items[i]`; a missing answer is a
 * rejection (nothing is written that the user did not accept).
 */
export function acceptedOps(ops: MergeOps, items: ReviewItem[], accepted: boolean[]): MergeOps {
  const keep = new Set<string>();
  items.forEach((item, i) => {
    if (accepted[i] === true) keep.add(item.op.list === 'summary' ? 'summary' : `${item.op.list}:${item.op.index}`);
  });
  const filter = <T>(list: keyof Omit<MergeOps, 'summary'>, xs: T[]) => xs.filter((_, i) => keep.has(`${list}:${i}`));
  return {
    ...(keep.has('summary') && ops.summary !== undefined ? { summary: ops.summary } : {}),
    add: filter('add', ops.add),
    update: filter('update', ops.update),
    supersede: filter('supersede', ops.supersede),
    retract: filter('retract', ops.retract),
    decisions: filter('decisions', ops.decisions),
  };
}
