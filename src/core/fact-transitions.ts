/**
 * The fact state machine, shared by the merge policy (merge.ts) and compaction (compaction.ts):
 *
 *   (none) ──add / create──▶ active ──supersede──▶ superseded
 *                            active ──retract──▶ retracted
 *                            active ──refresh / update──▶ active
 *                            active ──evict──▶ active, out of the memory file (archival memory)
 *
 * Superseded and retracted are final: those facts stay in the file as history until its cap moves
 * them to archival memory (only `memagent forget` deletes). An evicted fact is still true: it only
 * leaves core memory, and the store archives it (recall/archive-plan.ts). Every transition that a
 * user should see records one `MemoryChange`, so the wording of the diff (describe-changes.ts)
 * sees every one of them.
 *
 * Pure: `openFacts` copies the memory's facts and works on the copies only; what it produces
 * depends only on the memory, the clock (`now`) and the id source passed in. No I/O, no random
 * numbers, no reading of the system clock.
 */
import { ITEM_ID_PATTERN, type Confidence, type Fact, type Memory, type MemoryChange, type Source } from './schema.js';

/** The prefix of a minted id: `f` for facts, `d` for decisions. */
export type IdPrefix = 'f' | 'd';

/**
 * Where new ids come from: returns a candidate id `<prefix>_…` matching `ITEM_ID_PATTERN`. It need
 * not check collisions (`mintId` does and asks again), but it must not return the same candidate
 * forever. Called only by `FactLedger.mintId`.
 */
export type IdSource = (prefix: IdPrefix) => string;

/**
 * Candidates `mintId` asks its source for before giving up. A working source collides with
 * probability ~n/36^10 per call; 100 collisions in a row means the source repeats itself (a bug).
 */
const MAX_ID_ATTEMPTS = 100;

/** Confidence as a number for ranking: low 0, medium 1, high 2. */
export const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = { low: 0, medium: 1, high: 2 };

/**
 * The default id source: `<prefix>_` + 10 base-36 chars, an FNV-1a hash of `${seed}|${counter}`
 * with a counter shared by both prefixes. Deterministic (same seed, same sequence) and pure, so a
 * merge or a compaction given the same inputs mints the same ids. Seed it with something that
 * differs between writes (merge: session id and time; compaction: the time).
 */
export function hashIdSource(seed: string): IdSource {
  let counter = 0;
  // Stryker disable next-line UpdateOperator: counting down also gives distinct, deterministic seeds; only the id values would differ.
  return (prefix) => `${prefix}_${hash36(`${seed}|${counter++}`)}`;
}

/** A new fact's content; `validFrom` defaults to the ledger's `now`, `pinned` to false. */
export interface NewFact {
  text: string;
  kind: Fact['kind'];
  confidence: Confidence;
  pinned?: boolean;
  source: Source;
  validFrom?: string;
}

/** What `FactLedger.refresh` may raise on the refreshed fact besides its time and source. */
export interface RefreshInput {
  /** The restating source (its quote); kept as it is when omitted. */
  source?: Source;
  /** Raised to this confidence if higher; never lowered. */
  confidence?: Confidence;
  /** Pins the fact if true; never unpins. */
  pinned?: boolean;
  /**
   * Whether to record the `refresh` (default true). False only for the same item proposed twice
   * (the same normalized text as a fact created by this ledger): one item, one line.
   */
  report?: boolean;
}

/**
 * The facts of one memory under change. Made by `openFacts`; each method is one transition of the
 * state machine above, applied to the ledger's own copies (never to the memory it was opened on),
 * stamped with the ledger's `now` and recorded in `changes` in the order applied.
 *
 * Transitions on a fact that is not active, or (for `evict`) pinned, throw Error: the callers'
 * policies decide which facts to touch, and a transition out of a final state would rewrite history.
 */
export interface FactLedger {
  /** The clock of every transition, as an ISO time. */
  readonly now: string;
  /** All facts, history included, in file order; new facts are appended. */
  readonly facts: Fact[];
  /** What the transitions did, in order. */
  readonly changes: MemoryChange[];
  /** The fact with `id`, in any state, while it is in `facts` (an evicted fact is not). */
  byId(id: string): Fact | undefined;
  /** The active facts, in file order. */
  active(): Fact[];
  /** Whether `fact` was created by this ledger (not in the memory it was opened on). */
  isNew(fact: Fact): boolean;
  /**
   * A fresh id `<prefix>_…`: asks the id source until it returns one not used by any fact or
   * decision of the memory nor minted before by this ledger.
   * @throws Error if the source returns a malformed id, or only ids in use (100 tries).
   */
  mintId(prefix: IdPrefix): string;
  /** Creates an active fact with a minted id and records an `add`. */
  add(input: NewFact): Fact;
  /**
   * Creates an active fact without recording a change: the successor of a `supersede`, which
   * records the transition itself. Call `supersede` next.
   */
  create(input: NewFact): Fact;
  /**
   * The fact was stated again: `updatedAt` = now, and the source, confidence and pin of `input`
   * (never lowering either). Records a `refresh` with the fact's text (unless `input.report` is
   * false), also for a fact created by this ledger: an item absorbed into another one is
   * reported, never silently dropped.
   */
  refresh(fact: Fact, input?: RefreshInput): void;
  /** Rewrites an active fact's text in place (a refinement, not a contradiction); records an `update`. */
  update(fact: Fact, text: string, source: Source): void;
  /**
   * The facts `olds` are replaced by `successor` (new, or an existing active fact that already
   * says the new thing): each old one becomes `superseded` with `validTo` = now and
   * `supersededBy` = successor's id, and stays in `facts` as history. The successor inherits a pin
   * of any old one; an existing successor is also stamped with now and `source` (if given).
   * Records one `supersede` (`was`: the old texts joined by " | ", `oldId`: the first old id).
   */
  supersede(olds: readonly Fact[], successor: Fact, source?: Source): void;
  /**
   * The fact is no longer true: `retracted` with `validTo` = now. Records a `retract` whose text
   * carries `reason` in parentheses when given.
   */
  retract(fact: Fact, reason?: string): void;
  /**
   * The fact is pushed out of core memory to make room, recorded as an `evict`: it leaves `facts`
   * unchanged (still `active`: it is still true), and the store archives it in that state, as it
   * archives whatever a write removes from the file (archive-plan.ts). A fact created by this
   * ledger was never stored, so nothing could archive it: it stays in `facts` as `retracted`
   * history instead (never lost). Pinned facts are never evicted: throws Error.
   */
  evict(fact: Fact): void;
}

/**
 * Opens the facts of `memory` for transitions at `now`, minting ids from `ids` (checked against
 * every fact and decision id of `memory`). The memory is not modified: the ledger holds copies.
 * @throws RangeError if `now` is an invalid Date.
 */
export function openFacts(memory: Pick<Memory, 'facts' | 'decisions'>, opts: { now: Date; ids: IdSource }): FactLedger {
  const now = opts.now.toISOString(); // throws RangeError on an invalid Date
  const facts: Fact[] = memory.facts.map((f) => ({ ...f, source: { ...f.source } }));
  // The first fact with an id wins, as `Array.find` would: the schema does not forbid two facts
  // with one id in a hand-edited file.
  const index = new Map<string, Fact>();
  for (const f of facts) if (!index.has(f.id)) index.set(f.id, f);
  const taken = new Set<string>([...facts, ...memory.decisions].map((x) => x.id));
  const created = new Set<Fact>();
  const changes: MemoryChange[] = [];

  const mustBeActive = (f: Fact, transition: string): void => {
    if (f.status !== 'active') throw new Error(`${transition}: fact ${f.id} is ${f.status}, not active`);
  };
  const end = (f: Fact, status: 'superseded' | 'retracted'): void => {
    f.status = status;
    f.validTo = now;
    f.updatedAt = now;
  };

  const ledger: FactLedger = {
    now,
    facts,
    changes,
    byId: (id) => index.get(id),
    active: () => facts.filter((f) => f.status === 'active'),
    isNew: (f) => created.has(f),
    mintId(prefix) {
      for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
        const id = opts.ids(prefix);
        if (!ITEM_ID_PATTERN.test(id) || !id.startsWith(`${prefix}_`)) throw new Error(`id source returned a malformed id "${id}"`);
        if (taken.has(id)) continue;
        taken.add(id);
        return id;
      }
      throw new Error(`id source returned only ids already in use (${MAX_ID_ATTEMPTS} tries)`);
    },
    create(input) {
      const f: Fact = {
        id: ledger.mintId('f'),
        text: input.text,
        kind: input.kind,
        confidence: input.confidence,
        status: 'active',
        pinned: input.pinned ?? false,
        createdAt: now,
        updatedAt: now,
        validFrom: input.validFrom ?? now,
        source: { ...input.source },
      };
      facts.push(f);
      index.set(f.id, f);
      created.add(f);
      return f;
    },
    add(input) {
      const f = ledger.create(input);
      changes.push({ type: 'add', id: f.id, text: f.text });
      return f;
    },
    refresh(f, input = {}) {
      mustBeActive(f, 'refresh');
      f.updatedAt = now;
      if (input.source !== undefined) f.source = { ...input.source };
      if (input.confidence !== undefined && CONFIDENCE_RANK[input.confidence] > CONFIDENCE_RANK[f.confidence]) f.confidence = input.confidence;
      f.pinned ||= input.pinned ?? false;
      if (input.report ?? true) changes.push({ type: 'refresh', id: f.id, text: f.text });
    },
    update(f, text, source) {
      mustBeActive(f, 'update');
      changes.push({ type: 'update', id: f.id, text, was: f.text });
      f.text = text;
      f.updatedAt = now;
      f.source = { ...source };
    },
    supersede(olds, successor, source) {
      if (olds.length === 0) throw new Error('supersede: no facts to supersede');
      mustBeActive(successor, 'supersede');
      for (const old of olds) {
        mustBeActive(old, 'supersede');
        if (old === successor) throw new Error(`supersede: fact ${old.id} cannot supersede itself`);
      }
      if (!created.has(successor)) {
        successor.updatedAt = now;
        if (source !== undefined) successor.source = { ...source };
      }
      successor.pinned ||= olds.some((f) => f.pinned);
      for (const old of olds) {
        end(old, 'superseded');
        old.supersededBy = successor.id;
      }
      changes.push({ type: 'supersede', id: successor.id, text: successor.text, was: olds.map((f) => f.text).join(' | '), oldId: olds[0].id });
    },
    retract(f, reason) {
      mustBeActive(f, 'retract');
      end(f, 'retracted');
      changes.push({ type: 'retract', id: f.id, text: reason === undefined ? f.text : `${f.text} (${reason})` });
    },
    evict(f) {
      mustBeActive(f, 'evict');
      if (f.pinned) throw new Error(`evict: fact ${f.id} is pinned; pinned facts are never evicted`);
      if (created.has(f)) end(f, 'retracted');
      else {
        // Out of the file as it is; its id stays taken, so no new fact is minted with it.
        facts.splice(facts.indexOf(f), 1);
        index.delete(f.id);
      }
      changes.push({ type: 'evict', id: f.id, text: f.text });
    },
  };
  return ledger;
}

/**
 * Eviction rank: lower confidence first, then older `updatedAt` (compared as instants). Negative
 * when `a` goes before `b`. Pure.
 */
export function compareRank(a: Pick<Fact, 'confidence' | 'updatedAt'>, b: Pick<Fact, 'confidence' | 'updatedAt'>): number {
  return CONFIDENCE_RANK[a.confidence] - CONFIDENCE_RANK[b.confidence] || compareTime(a.updatedAt, b.updatedAt);
}

/**
 * The non-pinned facts of `active`, first to be evicted first (`compareRank`, ids break exact
 * ties). Pinned facts are never candidates. Pure; returns a new array.
 */
export function evictionOrder(active: readonly Fact[]): Fact[] {
  return active.filter((f) => !f.pinned).sort((a, b) => compareRank(a, b) || compare(a.id, b.id));
}

/** ISO times may carry different offsets in a hand-edited file, so compare instants, not strings. Pure. */
export function compareTime(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b) || compare(a, b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// FNV-1a, 64-bit, reduced to 10 base-36 chars (the `f_` + 10 chars the schema documents).
function hash36(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h % 36n ** 10n).toString(36).padStart(10, '0');
}
