/**
 * The memory tools the chat model calls mid-chat (issue 11), shaped like the field's (Letta's
 * `archival_memory_search` / `memory_insert` / `memory_replace`, Gemini CLI's `save_memory`):
 * `memory_search`, `memory_remember`, `memory_update`, `memory_forget`. Inputs are zod schemas,
 * offered to the model as JSON Schema (`z.toJSONSchema`); results are short, dated, one hit or one
 * change per line. Whatever goes wrong (invalid input, an unknown id, a quote that is not the
 * user's words, a refused review, a storage error) comes back as an `is_error` result the model
 * can read and act on: `runMemoryTool` never throws.
 *
 * Writes go through the same locked read-merge-write as everything else (`store.update` +
 * `mergeMemory`), so a tool write is on disk before its result is given back to the model.
 */
import * as z from 'zod';
import { describeChange } from '../describe-changes.js';
import { describeDropReason } from '../grounding-report.js';
import { groundQuote, resolveRelativeDates, EXTRACTION_TEXT_CAPS } from '../grounding.js';
import { mergeMemory } from '../merge.js';
import type { ToolDefinition } from '../model-client.js';
import { redactSecrets } from '../redact.js';
import { formatHit } from './format-hit.js';
import { FACT_KINDS, ITEM_ID_PATTERN, type Fact, type Memory, type MemoryChange, type MergeOps } from '../schema.js';
import type { MemoryStore } from '../storage/store.js';

export { formatHit };

/** The tools' names, as the model calls them. */
export const MEMORY_TOOL_NAMES = ['memory_search', 'memory_remember', 'memory_update', 'memory_forget'] as const;
export type MemoryToolName = (typeof MEMORY_TOOL_NAMES)[number];

/** Most hits one `memory_search` returns: ten one-line hits are ~250 tokens, enough to answer from. */
export const MAX_SEARCH_LIMIT = 20;
/** Hits when the model gives no `limit`. */
export const DEFAULT_SEARCH_LIMIT = 5;

const factId = z.string().regex(ITEM_ID_PATTERN).describe('A fact id such as "f_k3j9x0a1b2", from memory_search results.');
const quote = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .describe("The user's own words from this conversation that say it, copied exactly (a short span of one message).");

/** Input schemas of the tools (zod; the JSON Schema the model sees is generated from them). */
export const MEMORY_TOOL_INPUTS = {
  memory_search: z
    .object({
      query: z.string().trim().min(1).max(500).describe('What to look for, in a few words: "pricing page", "where the user lives".'),
      limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT).describe(`At most this many hits (1–${MAX_SEARCH_LIMIT}).`),
    })
    .strict(),
  memory_remember: z
    .object({
      text: z.string().trim().min(1).max(EXTRACTION_TEXT_CAPS.factText).describe('The fact, one short sentence about the user: "Lives in Lyon".'),
      kind: z.enum(FACT_KINDS).default('fact').describe('What kind of fact it is.'),
      quote,
    })
    .strict(),
  memory_update: z
    .object({
      id: factId,
      text: z.string().trim().min(1).max(EXTRACTION_TEXT_CAPS.factText).describe('What is true now, one short sentence; the old text is kept as superseded.'),
      quote,
    })
    .strict(),
  memory_forget: z
    .object({
      id: factId,
      reason: z.string().trim().min(1).max(300).describe('Why it is no longer true, in a few words.'),
    })
    .strict(),
} as const;

const DESCRIPTIONS: Record<MemoryToolName, string> = {
  memory_search:
    'Search everything remembered about the user (facts, decisions, including superseded ones, and past conversations) by words. ' +
    'Use it when the user refers to something that is not in the <memory> block. One hit per line: id, date, text; a superseded fact says until when it held.',
  memory_remember:
    'Save one fact about the user now (it survives a crash). Only for something the user said in this conversation: ' +
    '`quote` must be their own words, else the call is refused. Not for things you inferred.',
  memory_update:
    'Correct a remembered fact: the old text is kept as superseded and `text` becomes the current fact. ' +
    "`quote` must be the user's own words from this conversation that say the new thing.",
  memory_forget:
    'Mark a remembered fact as no longer true (it is kept as retracted, not deleted). Use memory_update instead when there is a new value.',
};

const definitions = new Map<MemoryToolName, ToolDefinition>();

/** The tool definition of `name`: its description and input as JSON Schema (generated once). */
export function memoryToolDefinition(name: MemoryToolName): ToolDefinition {
  let def = definitions.get(name);
  if (def === undefined) {
    // `io: 'input'`: fields with a default are optional for the model. `$schema` says nothing the API needs.
    const { $schema: _ignored, ...schema } = z.toJSONSchema(MEMORY_TOOL_INPUTS[name], { io: 'input' }) as Record<string, unknown>;
    def = { name, description: DESCRIPTIONS[name], input_schema: { ...schema, type: 'object' } };
    definitions.set(name, def);
  }
  return def;
}

/** The tools a session offers: all four, or only `memory_search` when incognito (it writes nothing). */
export function memoryToolsFor(opts: { incognito: boolean }): ToolDefinition[] {
  return (opts.incognito ? (['memory_search'] as const) : MEMORY_TOOL_NAMES).map(memoryToolDefinition);
}

/**
 * The system prompt's lines about the tools (kept apart from the other lines of the prompt).
 * Pure; the same options give the same lines, so the cached prompt prefix stays stable.
 */
export function memoryToolPromptLines(opts: { incognito: boolean }): string[] {
  if (opts.incognito) {
    return ['You can call memory_search to look through everything remembered and past conversations. This session is incognito: nothing new is saved.'];
  }
  return [
    'You can call memory tools: memory_search looks through everything remembered and past conversations (use it when the user refers to something not in <memory>);',
    "memory_remember saves a fact at once, memory_update corrects one, memory_forget retracts one; a quote must be the user's own words from this conversation, and ids come from memory_search.",
  ];
}

/**
 * `chat --review` for tool writes: shown the change in the exit report's words (`+ Lives in
 * Lyon`, `~ … (was: …)`, `- retracted: …`), resolves true to let it land.
 */
export type ToolReview = (change: string) => Promise<boolean>;

/** What a tool call needs; all passed in. */
export interface ToolContext {
  store: MemoryStore;
  userId: string;
  /** The session writes are recorded under (`source.session`). */
  sessionId: string;
  now: () => Date;
  /** The text of every user turn of this session so far, the current one included: what a quote must be found in. */
  userTurns: () => string[];
  /** Incognito: writes are refused (only memory_search is offered anyway). */
  incognito: boolean;
  /**
   * `--review`: undefined when off; a function that asks the user; null when review is on but no
   * one can be asked (pipe mode), which refuses every write.
   */
  review?: ToolReview | null;
}

/** What one tool call did: the result given back to the model, and what it changed in memory. */
export interface ToolOutcome {
  /** The tool_result text: one line per hit or change, or why the call was refused. */
  content: string;
  isError: boolean;
  /** The changes written (none for a search or a refusal), for the exit report. */
  changes: MemoryChange[];
  /** The memory after a write (absent when nothing was written). */
  memory?: Memory;
}

const refused = (content: string): ToolOutcome => ({ content, isError: true, changes: [] });

/**
 * Runs one tool call. `memory_update`/`memory_forget` take the id of an active fact of the
 * memory file or of archival memory (one a cap moved out of the file); an archived one is brought
 * back into the file under the lock and ended there (superseded or retracted), so the file's copy
 * overlays the archive's and it is no longer recalled as current. Never throws: an unknown tool,
 * input that does not validate (each problem named), an id that is not an active fact, a quote
 * not found in the user's turns, incognito, a write declined or not askable under `--review`, a
 * storage error (lock, corrupt file) all give `isError: true` with one line saying why. A write holds the user's lock for the merge only.
 */
export async function runMemoryTool(call: { name: string; input: unknown }, ctx: ToolContext): Promise<ToolOutcome> {
  if (!(MEMORY_TOOL_NAMES as readonly string[]).includes(call.name)) {
    return refused(`unknown tool "${call.name}"; the memory tools are ${MEMORY_TOOL_NAMES.join(', ')}`);
  }
  const name = call.name as MemoryToolName;
  const parsed = MEMORY_TOOL_INPUTS[name].safeParse(call.input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
    return refused(`invalid input for ${name}: ${problems.join('; ')}`);
  }
  try {
    switch (name) {
      case 'memory_search':
        return await search(parsed.data as z.infer<(typeof MEMORY_TOOL_INPUTS)['memory_search']>, ctx);
      case 'memory_remember':
      case 'memory_update':
      case 'memory_forget':
        return await write(name, parsed.data as WriteInput, ctx);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return refused(`${name} failed: ${oneLine(message)}`);
  }
}

async function search(input: { query: string; limit: number }, ctx: ToolContext): Promise<ToolOutcome> {
  const hits = await ctx.store.archive.search(ctx.userId, input.query, { limit: input.limit });
  if (hits.length === 0) return { content: `no memories match "${oneLine(input.query)}"`, isError: false, changes: [] };
  return { content: hits.map(formatHit).join('\n'), isError: false, changes: [] };
}

type WriteInput = { text?: string; kind?: Fact['kind']; quote?: string; id?: string; reason?: string };

async function write(name: Exclude<MemoryToolName, 'memory_search'>, input: WriteInput, ctx: ToolContext): Promise<ToolOutcome> {
  if (ctx.incognito) return refused('incognito: nothing is saved from this session');
  if (ctx.review === null) {
    return refused('not saved: the user reviews every memory change (--review) and cannot be asked here; tell them what you would save instead');
  }
  if (input.quote !== undefined) {
    const verdict = groundQuote(input.quote, ctx.userTurns());
    if (!verdict.ok) {
      const why = describeDropReason(verdict.reason, verdict.reason === 'drops-negation' ? verdict.word : undefined).replace(/\byour\b/g, "the user's");
      return refused(`not saved: ${why}; quote the user's own words from this conversation exactly`);
    }
  }
  const now = ctx.now();
  const text = input.text === undefined ? '' : resolveRelativeDates(redactSecrets(input.text).text, now);
  const savedQuote = redactSecrets(input.quote ?? '').text;
  const ops: MergeOps = { add: [], update: [], supersede: [], retract: [], decisions: [] };

  let archived: Fact | undefined;
  // Checked before asking the user, and again under the lock (the file may have changed).
  const targetOf = (memory: Memory): { fact?: Fact; problem?: string } => {
    if (input.id === undefined) return {};
    const fact = memory.facts.find((f) => f.id === input.id) ?? archived;
    if (fact === undefined) return { problem: `no fact ${input.id}; use an id from memory_search` };
    if (fact.status === 'superseded') return { problem: `fact ${input.id} is already superseded${fact.supersededBy ? ` by ${fact.supersededBy}; change that one instead` : ''}` };
    if (fact.status === 'retracted') return { problem: `fact ${input.id} is already retracted` };
    return { fact };
  };
  const { memory: seen } = await ctx.store.load(ctx.userId);
  // A fact a cap moved out of the memory file is still active, and memory_search shows its id:
  // it can be corrected too. Read before the lock (`update`'s `fn` is synchronous); under the
  // lock the file's copy still wins, as it does in `archive.items` and in search.
  if (input.id !== undefined && !seen.facts.some((f) => f.id === input.id)) archived = await archivedFact(ctx, input.id);
  const { fact: target, problem } = targetOf(seen);
  if (problem) return refused(problem);

  if (name === 'memory_remember') ops.add.push({ text, kind: input.kind ?? 'fact', confidence: 'high', quote: savedQuote });
  else if (name === 'memory_update') {
    ops.supersede.push({ id: target!.id, text, kind: target!.kind, confidence: 'high', quote: savedQuote });
  } else ops.retract.push({ id: target!.id, quote: redactSecrets(input.reason ?? '').text });

  if (ctx.review) {
    const proposed =
      name === 'memory_remember'
        ? describeChange({ type: 'add', id: '', text })
        : name === 'memory_update'
          ? describeChange({ type: 'supersede', id: '', oldId: target!.id, text, was: target!.text })
          : describeChange({ type: 'retract', id: target!.id, text: target!.text });
    if (!(await ctx.review(proposed.text))) return refused('not saved: the user declined this change');
  }

  let changes: MemoryChange[] = [];
  let warnings: string[] = [];
  let lockedProblem: string | undefined;
  const result = await ctx.store.update(ctx.userId, (current) => {
    const locked = targetOf(current);
    lockedProblem = locked.problem;
    if (lockedProblem) return null;
    // An archived target comes back into the file as it was, so the merge ends it there like any
    // other fact: the file's superseded (or retracted) copy then overlays the archive's active one.
    const base = locked.fact !== undefined && !current.facts.some((f) => f.id === locked.fact!.id) ? { ...current, facts: [...current.facts, locked.fact] } : current;
    const merged = mergeMemory(base, ops, { sessionId: ctx.sessionId, now });
    changes = merged.changes.filter((c) => c.type !== 'summary');
    warnings = merged.warnings;
    return merged.memory;
  });
  if (lockedProblem) return refused(lockedProblem);
  if (changes.length === 0) return refused(`not saved: ${warnings.map(oneLine).join('; ') || 'nothing changed'}`);
  const lines = changes.map(resultLine);
  if (warnings.length > 0) lines.push(...warnings.map((w) => `note: ${oneLine(w)}`));
  return { content: lines.join('\n'), isError: false, changes, memory: result.after };
}

/**
 * The fact `id` as archival memory holds it (a copy), or undefined when it holds none by that id.
 * `archive.items` leaves out ids the memory file holds (the file's state is theirs). Takes no lock.
 * @throws the store's read error.
 */
async function archivedFact(ctx: ToolContext, id: string): Promise<Fact | undefined> {
  const { items } = await ctx.store.archive.items(ctx.userId);
  const found = items.find((a) => a.type === 'fact' && a.item.id === id);
  return found?.type === 'fact' ? { ...found.item, source: { ...found.item.source } } : undefined;
}

/** One written change as the model reads it: `saved f_…: …`, `updated f_old → f_new: … (was: …)`, `retracted f_…: …`. */
function resultLine(change: MemoryChange): string {
  switch (change.type) {
    case 'add':
      return `saved ${change.id}: ${change.text}`;
    case 'refresh':
      return `already known as ${change.id}: ${change.text}`;
    case 'supersede':
      return `updated ${change.oldId} → ${change.id}: ${change.text} (was: ${change.was})`;
    case 'update':
      return `updated ${change.id}: ${change.text} (was: ${change.was})`;
    case 'retract':
      return `retracted ${change.id}: ${change.text}`;
    case 'evict':
      return `dropped ${change.id} to make room: ${change.text}`;
    default:
      return `${change.type}: ${change.text}`;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}
