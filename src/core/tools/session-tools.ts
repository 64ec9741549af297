/**
 * A chat session's memory tools: the definitions it offers, each call run against its store
 * with its user turns for grounding and its `--review`, each call journaled (secrets redacted),
 * and what the tools wrote, for the exit report. `ChatSession` holds one and hands it to the tool
 * loop, so the session itself only wires it in.
 */
import type { ExtractionOutcome } from '../extraction.js';
import type { ToolDefinition } from '../model-client.js';
import { redactSecrets } from '../redact.js';
import type { JournalLine, Memory, MemoryChange } from '../schema.js';
import type { MemoryStore } from '../storage/store.js';
import { memoryToolsFor, runMemoryTool, type ToolReview } from './memory-tools.js';
import type { ToolRun } from './tool-loop.js';

/** What the session gives its tools. */
export interface SessionToolsDeps {
  store: MemoryStore;
  userId: string;
  sessionId: string;
  now: () => Date;
  incognito: boolean;
  /** `--review`: writes wait for `setReview`'s answer, or are refused while none is set. */
  review: boolean;
  /** The text of the session's user turns so far (what a quote must be found in). */
  userTurns: () => string[];
  /** Appends one line to the session's journal (never throws: the session keeps refused lines). */
  journal: (line: JournalLine) => void;
  /** Called with the memory after each write (the session's view; its system prompt stays as it is, for the cache). */
  onWrite: (memory: Memory) => void;
}

/** One session's memory tools. Not thread-safe: one turn at a time, like the session. */
export class SessionTools {
  /** What the tools wrote during the session, in order. */
  readonly changes: MemoryChange[] = [];
  /** The tools offered in every request of the session (the same list each time, so the cached prefix holds). */
  readonly definitions: ToolDefinition[];
  private review: ToolReview | undefined;
  private readonly deps: SessionToolsDeps;

  constructor(deps: SessionToolsDeps) {
    this.deps = deps;
    this.definitions = memoryToolsFor({ incognito: deps.incognito });
  }

  /**
   * `--review` in the REPL: how to ask the user about a write before it lands. Without it, a
   * session with review on refuses tool writes (an `is_error` result saying why). Undefined unsets it.
   */
  setReview(review: ToolReview | undefined): void {
    this.review = review;
  }

  /** Runs one call (`runMemoryTool`: never throws); records what it wrote. */
  async run(call: { id: string; name: string; input: unknown }): Promise<{ content: string; isError: boolean }> {
    const d = this.deps;
    const outcome = await runMemoryTool(call, {
      store: d.store,
      userId: d.userId,
      sessionId: d.sessionId,
      now: d.now,
      userTurns: d.userTurns,
      incognito: d.incognito,
      review: d.review ? (this.review ?? null) : undefined,
    });
    if (outcome.memory) d.onWrite(outcome.memory);
    this.changes.push(...outcome.changes);
    return outcome;
  }

  /** Journals one finished call (a `tool` line: input and result with secrets redacted). */
  journal(run: ToolRun): void {
    this.deps.journal({
      type: 'tool',
      at: this.deps.now().toISOString(),
      id: run.id,
      name: run.name,
      input: redactJson(run.input),
      result: redactSecrets(run.content).text,
      isError: run.isError,
    });
  }

  /**
   * The exit extraction's outcome with what the tools wrote listed first (written as they
   * happened, so the extraction saw them as existing facts); the extraction's "already known"
   * for a fact a tool wrote this session is left out: it is the same item, reported once. Pure
   * in `outcome`; returns it unchanged when the tools wrote nothing.
   */
  report(outcome: ExtractionOutcome): ExtractionOutcome {
    if (this.changes.length === 0) return outcome;
    const written = new Set(this.changes.map((c) => ('id' in c ? c.id : '')));
    const extracted = outcome.changes.filter((c) => !(c.type === 'refresh' && written.has(c.id)));
    return { ...outcome, changes: [...this.changes, ...extracted], written: true };
  }
}

// Every string in a parsed tool input, secrets redacted (what the journal may hold).
function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value).text;
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v)]));
  }
  return value;
}
