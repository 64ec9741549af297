/**
 * `memagent edit`: the editable text of a memory and the plan its edited text makes. Pure.
 *
 * The text is Markdown a person can edit in any `$EDITOR`: the summary, then one line per active
 * fact ending in a `{id kind confidence [pinned]}` tag, then the decisions as comments (read-only
 * here). An edit never overwrites the file blindly: each changed line becomes an operation of the
 * locked merge — a changed text, kind or confidence supersedes the fact (the old one stays as
 * history), a deleted line retracts it, a line without an id adds a fact, and `pinned` added or
 * removed pins or unpins. The user's edited words are the new facts' quotes.
 */
import { mergeMemory, MAX_PINNED_FACTS } from './merge.js';
import {
  CONFIDENCES,
  FACT_KINDS,
  SCHEMA_LIMITS,
  type Confidence,
  type Fact,
  type FactKind,
  type Memory,
  type MemoryChange,
  type MergeOps,
} from './schema.js';

const HEADER = [
  '# Edit, save and close the editor to apply; you are asked before anything is written.',
  '# Empty the file (or leave it unchanged) to cancel.',
  '# Facts: one per line, "- <text>  {id kind confidence [pinned]}".',
  '#   Change the text, kind or confidence: the fact is superseded (the old one kept as history).',
  '#   Delete the line: the fact is retracted (`memagent forget` deletes for good).',
  '#   Add or remove "pinned": pin or unpin (pinned facts always stay in core memory).',
  '#   A new line "- <text>" (optionally "{kind confidence pinned}") adds a fact.',
  `#   Kinds: ${FACT_KINDS.join(', ')}. Confidence: ${CONFIDENCES.join(', ')}.`,
  '# Lines starting with # are ignored. Decisions are listed for reference only.',
];

const SUMMARY_HEADING = '## Summary';
const FACTS_HEADING = '## Facts';
const DECISIONS_HEADING = '## Decisions (read-only)';

/**
 * The editable text of `memory` (active facts only; history is not editable). `problems`, when
 * given, are put first as comments (the text re-offered after a failed parse or a conflict).
 */
export function renderEditable(memory: Memory, problems: readonly string[] = []): string {
  const lines: string[] = [];
  for (const p of problems) lines.push(`# ! ${p}`);
  if (problems.length) lines.push('#');
  lines.push(`# Memory of ${memory.userId}, revision ${memory.revision}.`, ...HEADER, '', SUMMARY_HEADING, '');
  lines.push(...(memory.summary.trim() ? memory.summary.trim().split('\n') : []), '', FACTS_HEADING, '');
  for (const f of memory.facts) {
    if (f.status !== 'active') continue;
    lines.push(`- ${oneLine(f.text)}  {${[f.id, f.kind, f.confidence, ...(f.pinned ? ['pinned'] : [])].join(' ')}}`);
  }
  lines.push('', DECISIONS_HEADING, '');
  for (const d of memory.decisions) lines.push(`# - ${d.date.slice(0, 10)} ${oneLine(d.topic)}: ${oneLine(d.decision)}`);
  return `${lines.join('\n')}\n`;
}

/** One fact line of an edited text. */
export interface EditedFact {
  /** 1-based line number in the edited text. */
  line: number;
  id?: string;
  text: string;
  kind?: FactKind;
  confidence?: Confidence;
  pinned: boolean;
}

/** An edited text, parsed. */
export interface EditedMemory {
  summary: string;
  facts: EditedFact[];
}

/** What an edited text could not be read as: `line N: what is wrong` messages. */
export class EditParseError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'EditParseError';
  }
}

/**
 * Parses an edited text. An empty text (only comments and blanks) is null: the user cancelled.
 * @throws EditParseError listing every problem with its line number.
 */
export function parseEditable(text: string): EditedMemory | null {
  const lines = text.split(/\r?\n/);
  if (lines.every((l) => l.trim() === '' || l.trimStart().startsWith('#'))) return null;
  const problems: string[] = [];
  const summary: string[] = [];
  const facts: EditedFact[] = [];
  let section: 'none' | 'summary' | 'facts' | 'decisions' = 'none';
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trimEnd();
    if (/^##\s/.test(line)) {
      const heading = line.toLowerCase();
      if (heading.startsWith('## summary')) section = 'summary';
      else if (heading.startsWith('## facts')) section = 'facts';
      else if (heading.startsWith('## decisions')) section = 'decisions';
      else problems.push(`line ${n}: unknown section "${line}" (expected ## Summary, ## Facts or ## Decisions)`);
      return;
    }
    if (line.trimStart().startsWith('#')) return;
    if (section === 'summary') return void summary.push(line);
    if (line.trim() === '') return;
    if (section === 'facts') {
      const fact = parseFactLine(line, n, problems);
      if (fact) facts.push(fact);
      return;
    }
    if (section === 'decisions') return void problems.push(`line ${n}: decisions cannot be edited here (keep them as # comments)`);
    problems.push(`line ${n}: text outside a section; put it under ## Summary or ## Facts`);
  });
  const seen = new Map<string, number>();
  for (const f of facts) {
    if (!f.id) continue;
    const first = seen.get(f.id);
    if (first !== undefined) problems.push(`line ${f.line}: fact ${f.id} is already on line ${first}; each fact once`);
    else seen.set(f.id, f.line);
  }
  const summaryText = summary.join('\n').trim();
  if (summaryText.length > SCHEMA_LIMITS.summaryChars) {
    problems.push(`the summary is ${summaryText.length} characters; at most ${SCHEMA_LIMITS.summaryChars}`);
  }
  if (problems.length) throw new EditParseError(problems);
  return { summary: summaryText, facts };
}

const KINDS = new Set<string>(FACT_KINDS);
const CONFIDENCE_SET = new Set<string>(CONFIDENCES);

function parseFactLine(line: string, n: number, problems: string[]): EditedFact | null {
  if (!/^\s*[-*]\s+/.test(line)) {
    problems.push(`line ${n}: a fact line starts with "- "`);
    return null;
  }
  let body = line.replace(/^\s*[-*]\s+/, '');
  const tag = /\s*\{([^{}]*)\}\s*$/.exec(body);
  const fact: EditedFact = { line: n, text: '', pinned: false };
  if (tag) {
    body = body.slice(0, tag.index);
    for (const word of tag[1].trim().split(/\s+/).filter(Boolean)) {
      const w = word.toLowerCase();
      if (w === 'pinned') fact.pinned = true;
      else if (KINDS.has(w)) fact.kind = w as FactKind;
      else if (CONFIDENCE_SET.has(w)) fact.confidence = w as Confidence;
      else if (/^[A-Za-z]_[A-Za-z0-9_-]+$/.test(word) && fact.id === undefined) fact.id = word;
      else problems.push(`line ${n}: "${word}" in {…} is not a fact id, a kind (${FACT_KINDS.join(', ')}), a confidence or "pinned"`);
    }
  }
  fact.text = body.trim();
  if (!fact.text) {
    problems.push(`line ${n}: the fact has no text (delete the line to retract it)`);
    return null;
  }
  if (fact.text.length > SCHEMA_LIMITS.factTextChars) {
    problems.push(`line ${n}: the fact is ${fact.text.length} characters; at most ${SCHEMA_LIMITS.factTextChars}`);
  }
  return fact;
}

/**
 * A change of a fact's tags the edit asks for without changing its text: pin or unpin, another
 * kind or confidence (absent fields unchanged). `text` is the fact's text, for the report.
 */
export interface Retag {
  id: string;
  text: string;
  pinned?: boolean;
  kind?: FactKind;
  confidence?: Confidence;
}

/** What an edit does to a memory: merge ops, pins, and the changes in the exit report's terms. */
export interface EditPlan {
  /** The revision the plan was made against: applying it to another revision is a conflict. */
  revision: number;
  ops: MergeOps;
  /** Tag changes, applied after the merge (a superseded fact's pin lands on its successor). */
  retags: Retag[];
  /** The memory after the plan (merge + pins), as the locked write will produce it. */
  memory: Memory;
  /** The merge's changes (add/supersede/retract/summary…), for describe-changes.ts. */
  changes: MemoryChange[];
  warnings: string[];
}

/**
 * Plans an edit of `memory`: compares the edited facts with its active facts by id.
 * @throws EditParseError for ids that are not active facts of this memory.
 */
export function planEdit(memory: Memory, edited: EditedMemory, opts: { sessionId: string; now: Date }): EditPlan {
  const active = new Map(memory.facts.filter((f) => f.status === 'active').map((f) => [f.id, f]));
  const problems: string[] = [];
  const ops: MergeOps = { add: [], update: [], supersede: [], retract: [], decisions: [] };
  const retags: Retag[] = [];
  const kept = new Set<string>();
  for (const e of edited.facts) {
    if (e.id === undefined) {
      ops.add.push({ text: e.text, kind: e.kind ?? 'fact', confidence: e.confidence ?? 'high', quote: quoteOf(e.text), pinned: e.pinned });
      continue;
    }
    const old = active.get(e.id);
    if (!old) {
      problems.push(`line ${e.line}: ${e.id} is not an active fact of this memory (remove the id to add it as a new fact)`);
      continue;
    }
    kept.add(e.id);
    const kind = e.kind ?? old.kind;
    const confidence = e.confidence ?? old.confidence;
    if (e.text !== oneLine(old.text)) {
      // The successor inherits the old fact's pin (merge.ts); an explicit pin change follows it.
      ops.supersede.push({ id: old.id, text: e.text, kind, confidence, quote: quoteOf(e.text) });
      if (old.pinned !== e.pinned) retags.push({ id: old.id, text: e.text, pinned: e.pinned });
      continue;
    }
    const retag: Retag = { id: old.id, text: old.text };
    if (old.pinned !== e.pinned) retag.pinned = e.pinned;
    if (kind !== old.kind) retag.kind = kind;
    if (confidence !== old.confidence) retag.confidence = confidence;
    if (Object.keys(retag).length > 2) retags.push(retag);
  }
  if (problems.length) throw new EditParseError(problems);
  for (const f of active.values()) if (!kept.has(f.id)) ops.retract.push({ id: f.id, quote: '' });
  if (edited.summary !== memory.summary.trim()) ops.summary = edited.summary;
  const merged = mergeMemory(memory, ops, { sessionId: opts.sessionId, now: opts.now });
  const warnings = [...merged.warnings];
  const after = applyRetags(merged.memory, retags, merged.landed.supersede, ops, warnings, opts.now);
  return { revision: memory.revision, ops, retags, memory: after, changes: merged.changes, warnings };
}

/** Whether a plan changes nothing. */
export function isEmptyPlan(plan: EditPlan): boolean {
  return plan.changes.length === 0 && plan.retags.length === 0;
}

// Tags of superseded facts land on their successors (the merge reports which id each became).
function applyRetags(
  memory: Memory,
  retags: Retag[],
  landedSupersede: ReadonlyArray<string | undefined>,
  ops: MergeOps,
  warnings: string[],
  now: Date,
): Memory {
  if (retags.length === 0) return memory;
  const successor = new Map<string, string>();
  ops.supersede.forEach((op, i) => {
    const id = landedSupersede[i];
    if (id) successor.set(op.id, id);
  });
  const facts: Fact[] = memory.facts.map((f) => ({ ...f }));
  for (const retag of retags) {
    const id = successor.get(retag.id) ?? retag.id;
    const fact = facts.find((f) => f.id === id && f.status === 'active');
    if (!fact) continue;
    let pinned = retag.pinned;
    if (pinned && !fact.pinned && facts.filter((f) => f.status === 'active' && f.pinned).length >= MAX_PINNED_FACTS) {
      warnings.push(`already ${MAX_PINNED_FACTS} pinned facts; "${fact.text}" kept unpinned`);
      pinned = undefined;
    }
    if (pinned !== undefined) fact.pinned = pinned;
    if (retag.kind) fact.kind = retag.kind;
    if (retag.confidence) fact.confidence = retag.confidence;
    fact.updatedAt = now.toISOString();
  }
  return { ...memory, facts };
}

function quoteOf(text: string): string {
  return text.slice(0, SCHEMA_LIMITS.quoteChars);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * `/pin <id>` and `/unpin <id>`: `memory` with that active fact pinned or unpinned (at most
 * `MAX_PINNED_FACTS` pinned), and the retag for the report; null when no active fact has that id.
 * `warnings` says when a pin was refused (too many pins). Pure.
 */
export function pinFact(memory: Memory, id: string, pinned: boolean, now: Date): { memory: Memory; retag: Retag; warnings: string[] } | null {
  const fact = memory.facts.find((f) => f.id === id && f.status === 'active');
  if (!fact) return null;
  const retag: Retag = { id, text: fact.text, pinned };
  const warnings: string[] = [];
  if (fact.pinned === pinned) return { memory, retag, warnings };
  return { memory: applyRetags(memory, [retag], [], { add: [], update: [], supersede: [], retract: [], decisions: [] }, warnings, now), retag, warnings };
}
