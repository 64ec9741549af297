/**
 * A long session's extraction in chunks, so it is extracted whole instead of losing its
 * beginning: the transcript cut into chunks that each fit one extraction call, and the chunks'
 * ops merged in order, a later chunk's references to facts an earlier chunk proposed carried onto
 * the facts the merge really gave them (`trackPreview`, `mergeChunks`). Pure, no I/O.
 */
import { mergeMemory, type MergeOptions, type MergeResult } from './merge.js';
import type { Memory, MemoryChange, MergeOps, Turn } from './schema.js';

/**
 * Transcript characters sent in one extraction call (~30k tokens): a longer session is extracted
 * in several calls (`chunkTranscript`), each seeing the memory as merged so far.
 */
export const EXTRACTION_TRANSCRIPT_MAX_CHARS = 120_000;

// What a turn's text costs on top of itself: the `[assistant] ` tag, the interrupted marker and
// the line break, rounded up so a part's rendering never crosses the limit.
const TURN_OVERHEAD_CHARS = 64;
// A part of an over-long turn is cut at the last space or line break in its last quarter, so a
// quote is rarely split in two; with none there, it is cut at the limit.
const SOFT_CUT_SHARE = 0.75;

/**
 * The transcript lines of one turn: `[user] first line` (with ` [answer interrupted]` if the
 * answer was stopped), continuation lines indented two spaces. The text is used as given (the
 * caller redacts). Pure.
 */
export function transcriptLines(turn: Turn): string[] {
  const [first, ...rest] = turn.text.split('\n');
  return [`[${turn.role}] ${first}${turn.interrupted ? ' [answer interrupted]' : ''}`, ...rest.map((line) => `  ${line}`)];
}

/** Characters `turn` takes in a transcript, its line breaks included. */
function renderedSize(turn: Turn): number {
  return transcriptLines(turn).reduce((n, line) => n + line.length + 1, 0);
}

/**
 * Splits `turns` (in session order) into consecutive chunks whose transcripts
 * (`transcriptLines`, joined by line breaks) are each at most `maxChars` characters. Whole turns
 * are packed greedily; a turn that alone exceeds the limit is split into parts of the same role
 * (cut at a space or line break where one is near the limit, never inside a surrogate pair;
 * only the last part keeps `interrupted`), each in its own chunk if need be.
 *
 * Guarantees: the chunks' turns, parts joined back, are exactly `turns` in order (nothing is left
 * out, nothing repeated); no chunk is empty; `[]` for no turns. Pure.
 * @throws RangeError if `maxChars` leaves no room for a turn's text (under 128).
 */
export function chunkTranscript(turns: readonly Turn[], maxChars: number = EXTRACTION_TRANSCRIPT_MAX_CHARS): Turn[][] {
  if (maxChars < 2 * TURN_OVERHEAD_CHARS) throw new RangeError(`chunkTranscript: maxChars ${maxChars} is under ${2 * TURN_OVERHEAD_CHARS}`);
  const chunks: Turn[][] = [];
  let current: Turn[] = [];
  let used = 0;
  const push = (turn: Turn): void => {
    const size = renderedSize(turn);
    if (current.length > 0 && used + size > maxChars) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(turn);
    used += size;
  };
  for (const turn of turns) {
    if (renderedSize(turn) <= maxChars) push(turn);
    else for (const part of splitTurn(turn, maxChars - TURN_OVERHEAD_CHARS)) push(part);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

// Parts of an over-long turn whose texts, continuation indents included, are at most `room` chars.
function splitTurn(turn: Turn, room: number): Turn[] {
  const parts: Turn[] = [];
  let rest = turn.text;
  while (rest.length > 0) {
    const end = fittingPrefix(rest, room);
    parts.push({ role: turn.role, text: rest.slice(0, end), at: turn.at });
    rest = rest.slice(end);
  }
  if (turn.interrupted && parts.length > 0) parts[parts.length - 1].interrupted = true;
  return parts;
}

// Length of the longest prefix of `text` whose rendering (2 more chars per line break) fits in
// `room`, moved back to just after a space or line break in the last quarter if there is one.
function fittingPrefix(text: string, room: number): number {
  let cost = 0;
  let end = 0;
  let lastBreak = -1;
  while (end < text.length) {
    const ch = text[end];
    const add = ch === '\n' ? 3 : 1;
    if (cost + add > room) break;
    cost += add;
    end++;
    if (ch === ' ' || ch === '\n') lastBreak = end;
  }
  if (end === text.length) return end;
  if (lastBreak >= room * SOFT_CUT_SHARE) return lastBreak;
  // Never leave half a surrogate pair at either side of the cut.
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff && end > 1 ? end - 1 : end;
}

/**
 * Where the preview (the chunks' ops merged in memory, in order, each chunk's call seeing the
 * result so far) put the proposed adds and supersedes: for each fact the preview created, the
 * keys (`opKey`) of the ops that landed on it, in merge order (the op that created it first, then
 * any absorbed into it as a refresh). Facts of the memory the preview started from are not in it.
 */
export type PreviewOrigins = ReadonlyMap<string, readonly string[]>;

/** The key of one proposed op: chunk `chunk`'s grounded `list` op number `index`. */
function opKey(chunk: number, list: 'add' | 'supersede', index: number): string {
  return `${chunk}:${list}:${index}`;
}

/**
 * Starts recording the preview that began from `base`. Call `record(chunk, result)` after each
 * chunk's in-memory merge (chunks numbered from 0 in merge order, `result` that merge's
 * `MergeResult` for the chunk's grounded ops as proposed); `origins` is then what `mergeChunks`
 * needs. Pure apart from its own map.
 */
export function trackPreview(base: Pick<Memory, 'facts'>): { record(chunk: number, result: MergeResult): void; origins: PreviewOrigins } {
  const baseIds = new Set(base.facts.map((f) => f.id));
  const origins = new Map<string, string[]>();
  const note = (id: string | undefined, key: string): void => {
    if (id === undefined || baseIds.has(id)) return;
    const keys = origins.get(id);
    if (keys === undefined) origins.set(id, [key]);
    else keys.push(key);
  };
  return {
    // Supersedes before adds: the order the merge applies them in, so a fact's creator comes first.
    record(chunk, result) {
      result.landed.supersede.forEach((id, i) => note(id, opKey(chunk, 'supersede', i)));
      result.landed.add.forEach((id, i) => note(id, opKey(chunk, 'add', i)));
    },
    origins,
  };
}

/**
 * One chunk's ops as they are written (after `--review`), and which previewed op each kept add
 * and supersede is: `origin.add[i]` is the index of `ops.add[i]` among the chunk's grounded adds
 * as previewed, or undefined for an op the preview never merged (a dropped item kept anyway).
 */
export interface ChunkPlan {
  ops: MergeOps;
  origin: { add: Array<number | undefined>; supersede: Array<number | undefined> };
}

/** A plan that writes a chunk's grounded ops as previewed (no review). */
export function planAsPreviewed(ops: MergeOps): ChunkPlan {
  return { ops, origin: { add: ops.add.map((_, i) => i), supersede: ops.supersede.map((_, i) => i) } };
}

/** An op `mergeChunks` did not write: chunk `chunk`'s `plans[chunk].ops[list][index]`. */
export interface UnresolvedOp {
  chunk: number;
  list: 'update' | 'supersede' | 'retract';
  index: number;
}

/**
 * Merges the chunks' `plans` into `memory` in order (`mergeMemory` each, one id source from
 * `options.newId` shared by all), the union of one session. Before a chunk is merged, every
 * update/supersede/retract naming a fact the preview created (a key of `origins`) is pointed at
 * the fact the ops that created it landed on in this merge: the first of those ops (in preview
 * order) that was kept and stored. So what a later chunk said about an earlier chunk's fact holds
 * whatever ids this merge minted: when the review rejected an op, when a dropped item kept anyway
 * was added, when a write in between turned an add into a refresh of another fact. An op whose
 * fact was not kept (every such op rejected, or not stored) is not written and is returned in
 * `unresolved`. Ids of facts the preview did not create are used as given.
 *
 * Pure and repeatable (the store may call its update function again) when `options.newId` is
 * fresh each call. Changes and warnings are those of the chunks' merges, in order.
 * @throws what `mergeMemory` throws.
 */
export function mergeChunks(
  memory: Memory,
  plans: readonly ChunkPlan[],
  origins: PreviewOrigins,
  options: MergeOptions,
): { memory: Memory; changes: MemoryChange[]; warnings: string[]; unresolved: UnresolvedOp[] } {
  const landedOn = new Map<string, string>();
  const changes: MemoryChange[] = [];
  const warnings: string[] = [];
  const unresolved: UnresolvedOp[] = [];
  let merged = memory;
  plans.forEach((plan, chunk) => {
    // The id a previewed fact has here, 'gone' when none of the ops that made it was stored.
    const resolve = (id: string): string | 'gone' => {
      const keys = origins.get(id);
      if (keys === undefined) return id;
      for (const key of keys) {
        const real = landedOn.get(key);
        if (real !== undefined) return real;
      }
      return 'gone';
    };
    // The ops naming a fact that still exists, pointed at it, and the indexes they had in `plan`.
    const carried = <T extends { id: string }>(list: UnresolvedOp['list'], all: T[]): { ops: T[]; at: number[] } => {
      const out: { ops: T[]; at: number[] } = { ops: [], at: [] };
      all.forEach((op, index) => {
        const id = resolve(op.id);
        if (id === 'gone') unresolved.push({ chunk, list, index });
        else {
          out.ops.push({ ...op, id });
          out.at.push(index);
        }
      });
      return out;
    };
    const supersede = carried('supersede', plan.ops.supersede);
    const ops: MergeOps = {
      ...plan.ops,
      update: carried('update', plan.ops.update).ops,
      supersede: supersede.ops,
      retract: carried('retract', plan.ops.retract).ops,
    };
    // A supersede left out must not shift which previewed op each kept one is.
    const supersedeOrigin = supersede.at.map((index) => plan.origin.supersede[index]);
    const step = mergeMemory(merged, ops, options);
    merged = step.memory;
    changes.push(...step.changes);
    warnings.push(...step.warnings);
    const land = (list: 'add' | 'supersede', origin: Array<number | undefined>, landed: Array<string | undefined>): void =>
      landed.forEach((id, i) => {
        const index = origin[i];
        if (id !== undefined && index !== undefined) landedOn.set(opKey(chunk, list, index), id);
      });
    land('add', plan.origin.add, step.landed.add);
    land('supersede', supersedeOrigin, step.landed.supersede);
  });
  return { memory: merged, changes, warnings, unresolved };
}
