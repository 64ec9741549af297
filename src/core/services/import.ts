/**
 * `memagent import`: past conversations brought into a user's memory, session by session, through
 * the same path a chat session takes (a journal with the session's own date and turns, then the
 * extraction pass, which merges under the lock and keeps the session in episodic memory).
 *
 * The file format (documented in the README), either one JSON document:
 *
 *   {"sessions": [{"id"?: string, "date": ISO date or time, "turns": [{"role": "user"|"assistant", "text": string, "at"?: ISO time}]}]}
 *
 * or JSON Lines: one session object (`{"id"?, "date", "turns"}`) per line, for files too large to
 * edit as one document. Parsing and validation (`parseImportFile`) are pure; `importSessions`
 * does the I/O through the store and model client it is given.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { MemagentError } from '../errors.js';
import { extractJournal, type ExtractionDeps, type ExtractionOutcome } from '../extraction.js';
import { redactSecrets } from '../redact.js';

/** At most this many problems are listed for an invalid file: the first ones are what a person fixes first. */
export const MAX_REPORTED_PROBLEMS = 10;

/** A turn's text above this (UTF-16 units) is refused: no conversation turn is a megabyte; a file that has one is not a transcript. */
export const MAX_IMPORT_TURN_CHARS = 1_000_000;

/** The `model` written in an imported session's journal header (there was no memagent model). */
export const IMPORTED_MODEL = 'imported';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isoDate = z
  .string()
  .refine((s) => ISO_DATE.test(s) && !Number.isNaN(Date.parse(s)), 'expected an ISO date or time, like 2026-03-01 or 2026-03-01T14:30:00Z');

const turnSchema = z.object({
  role: z.enum(['user', 'assistant'], { error: 'expected "user" or "assistant"' }),
  text: z.string({ error: 'expected a string' }).max(MAX_IMPORT_TURN_CHARS, `longer than ${MAX_IMPORT_TURN_CHARS} characters`),
  at: isoDate.optional(),
});

/** One session of an import file, as written in it. */
export const importSessionSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  date: isoDate,
  turns: z.array(turnSchema, { error: 'expected a list of turns' }).min(1, 'a session needs at least one turn'),
});

/** The JSON format: one document with a list of sessions. */
export const importFileSchema = z.object({
  sessions: z.array(importSessionSchema, { error: 'expected a list of sessions' }),
});

/** One session as validated (`date` and each `at` still as written). */
export type ImportSessionInput = z.infer<typeof importSessionSchema>;

/** One problem of an invalid import file: the 1-based line it is on, and what is wrong (with the field's path). */
export interface ImportProblem {
  line: number;
  message: string;
}

/**
 * An import file that is not valid. `problems` holds the first `MAX_REPORTED_PROBLEMS` with their
 * line numbers; `total` counts all of them. The message lists them, one per line after the
 * first. Nothing was written. Exit code 1.
 */
export class ImportFileError extends MemagentError {
  readonly problems: ImportProblem[];
  readonly total: number;
  constructor(name: string, problems: ImportProblem[], total = problems.length) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = total - shown.length;
    super(
      [
        `${name} is not a valid import file (${total} problem${total === 1 ? '' : 's'}; nothing was imported):`,
        ...shown.map((p) => `  line ${p.line}: ${p.message}`),
        ...(more > 0 ? [`  … and ${more} more`] : []),
      ].join('\n'),
    );
    this.problems = shown;
    this.total = total;
  }
}

/** A session ready to import: its stable id, date, turns with times, and where it was in the file. */
export interface ImportSession {
  /** The memagent session id (`imp-…`): the same for the same session on every run, so a re-run skips it. */
  sessionId: string;
  /** ISO time of the session (the date its facts carry). */
  startedAt: string;
  turns: Array<{ role: 'user' | 'assistant'; text: string; at: string }>;
  /** 0-based position in the file. */
  index: number;
  /** 1-based line where it starts in the file. */
  line: number;
}

/** A parsed import file: its sessions in date order (ties in file order), and the format found. */
export interface ImportPlan {
  format: 'json' | 'jsonl';
  sessions: ImportSession[];
}

/**
 * Parses and validates an import file's text (pure). The format is JSON Lines when the first
 * non-empty line is a whole JSON value on its own (or `name` ends in `.jsonl`/`.ndjson`), else
 * one JSON document. Sessions come back sorted by date, each with a stable id: `imp-` + the
 * file's `id` when it is a plain token (letters, digits, `.`, `_`, `-`, at most 80), else `imp-` +
 * 16 hex chars of a hash of the session's date and turns (content, not position: a session moved
 * or a file appended to keeps its id, so a re-run never imports it twice).
 * @throws ImportFileError with the first problems and their line numbers (syntax errors, fields
 *   that do not validate, two sessions with the same id).
 */
export function parseImportFile(text: string, name = 'the file'): ImportPlan {
  const body = text.replace(/^\uFEFF/, '');
  const format = isJsonLines(body, name) ? 'jsonl' : 'json';
  const raw = format === 'jsonl' ? parseLines(body, name) : parseDocument(body, name);
  const problems: ImportProblem[] = [];
  const sessions: ImportSession[] = [];
  const seen = new Map<string, number>();
  raw.forEach(({ value, line, locate }, index) => {
    const parsed = importSessionSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ line: locate(issue.path), message: describeIssue(issue, value, format, index) });
      }
      return;
    }
    const session = toSession(parsed.data, index, line);
    const earlier = seen.get(session.sessionId);
    if (earlier !== undefined) {
      problems.push({ line, message: `${where(format, index)}: the same session as line ${earlier} (same id, or same date and turns)` });
      return;
    }
    seen.set(session.sessionId, line);
    sessions.push(session);
  });
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    throw new ImportFileError(name, problems.slice(0, MAX_REPORTED_PROBLEMS), problems.length);
  }
  sessions.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.index - b.index);
  return { format, sessions };
}

/** A session value with the line it starts on and a locator from a path inside it to a line. */
interface RawSession {
  value: unknown;
  line: number;
  locate: (path: ReadonlyArray<PropertyKey>) => number;
}

function isJsonLines(body: string, name: string): boolean {
  if (/\.(jsonl|ndjson)$/i.test(name)) return true;
  const first = body.split('\n').find((l) => l.trim() !== '');
  if (first === undefined) return false;
  try {
    // A whole value on the first line: a session (JSON Lines), or `{"sessions": [...]}` written on one line.
    const value: unknown = JSON.parse(first);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !('sessions' in value);
  } catch {
    return false;
  }
}

function parseLines(body: string, name: string): RawSession[] {
  const out: RawSession[] = [];
  const problems: ImportProblem[] = [];
  body.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const line = i + 1;
    try {
      out.push({ value: JSON.parse(text), line, locate: () => line });
    } catch {
      problems.push({ line, message: `not JSON (${jsonSyntaxError(text).problem})` });
    }
  });
  if (problems.length > 0) throw new ImportFileError(name, problems.slice(0, MAX_REPORTED_PROBLEMS), problems.length);
  if (out.length === 0) throw new ImportFileError(name, [{ line: 1, message: 'the file is empty: expected one session per line' }]);
  return out;
}

function parseDocument(body: string, name: string): RawSession[] {
  if (body.trim() === '') throw new ImportFileError(name, [{ line: 1, message: 'the file is empty: expected {"sessions": [...]} or one session per line' }]);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    const { offset, problem } = jsonSyntaxError(body);
    throw new ImportFileError(name, [{ line: body.slice(0, offset).split('\n').length, message: `not JSON (${problem})` }]);
  }
  const lines = valueLines(body);
  const at = (path: ReadonlyArray<PropertyKey>) => lines.get(path.map(String).join('\u0000')) ?? nearest(lines, path);
  const top = importFileSchema.safeParse(value);
  if (!top.success && !Array.isArray((value as { sessions?: unknown } | null)?.sessions)) {
    const issues = top.error.issues.filter((i) => i.path.length <= 1);
    throw new ImportFileError(
      name,
      issues.map((i) => ({ line: at(i.path), message: i.path.length === 0 ? 'expected an object like {"sessions": [...]}' : `sessions: ${i.message}` })),
    );
  }
  const sessions = (value as { sessions: unknown[] }).sessions;
  return sessions.map((s, i) => ({ value: s, line: at(['sessions', i]), locate: (path) => at(['sessions', i, ...path]) }));
}

function toSession(input: ImportSessionInput, index: number, line: number): ImportSession {
  const startedAt = new Date(input.date).toISOString();
  const turns = input.turns.map((t) => ({ role: t.role, text: t.text, at: t.at ? new Date(t.at).toISOString() : startedAt }));
  return { sessionId: importSessionId(input, startedAt, turns), startedAt, turns, index, line };
}

const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** The stable memagent session id of an imported session (see `parseImportFile`). Pure. */
export function importSessionId(input: { id?: string }, startedAt: string, turns: ReadonlyArray<{ role: string; text: string }>): string {
  if (input.id !== undefined && PLAIN_ID.test(input.id)) return `imp-${input.id}`;
  const hash = createHash('sha256');
  hash.update(input.id !== undefined ? `id\u0000${input.id}` : `date\u0000${startedAt}`);
  for (const t of turns) hash.update(`\u0000${t.role}\u0000${t.text}`);
  return `imp-${hash.digest('hex').slice(0, 16)}`;
}

function where(format: 'json' | 'jsonl', index: number): string {
  return format === 'jsonl' ? 'session' : `sessions[${index}]`;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, format: 'json' | 'jsonl', index: number): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const field = `${where(format, index)}${path}`;
  let at: unknown = value;
  for (const key of issue.path) at = typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return `${field}: ${issue.code === 'invalid_type' && at === undefined ? 'missing' : issue.message}`;
}

/**
 * Where JSON text `JSON.parse` refused goes wrong, and how, in words (Node 20's messages carry no
 * position). A small validating scanner; the offset is that of the first character that cannot be
 * there (the text's length for an early end).
 */
export function jsonSyntaxError(text: string): { offset: number; problem: string } {
  let i = 0;
  class Stop extends Error {}
  const fail = (what: string): never => {
    throw Object.assign(new Stop(), { at: i, what });
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const seen = () => (i >= text.length ? 'the file ends too early' : `unexpected ${JSON.stringify(text[i])}`);
  const expect = (c: string, what: string) => {
    if (text[i] !== c) fail(`${seen()}, expected ${what}`);
    i++;
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('a string is not closed');
      const c = text[i];
      if (c === '"') return void i++;
      if (c === '\\') i += 2;
      else if (c < ' ') fail('a line break or control character inside a string');
      else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`${seen()}, expected a "key"`);
        string();
        ws();
        expect(':', '":"');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}', '"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']', '"," or "]"');
      }
    }
    if (c === '"') return string();
    const literal = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
    literal.lastIndex = i;
    if (literal.exec(text)) return void (i = literal.lastIndex);
    fail(i >= text.length ? 'the file ends too early' : `${seen()}, expected a value`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`${seen()} after the end of the JSON value`);
  } catch (error) {
    if (error instanceof Stop) {
      const { at, what } = error as Stop & { at: number; what: string };
      return { offset: at, problem: what };
    }
    throw error;
  }
  return { offset: text.length, problem: 'not valid JSON' };
}

/**
 * The 1-based line where each value of a (valid) JSON text starts, keyed by its path joined with
 * NULs (`sessions\u00003\u0000turns\u00000`). A tiny scanner over text `JSON.parse` accepted.
 */
function valueLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skip = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
    }
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string[]): void => {
    skip();
    out.set(path.join('\u0000'), line);
    const c = text[i];
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') return void i++;
      for (;;) {
        skip();
        const key = string();
        skip();
        i++; // ':'
        value([...path, key]);
        skip();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value([...path, String(n)]);
        skip();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') return void string();
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++; // number, true, false, null
  };
  value([]);
  return out;
}

// A path that is not in the text (a missing field): the line of its nearest ancestor that is.
function nearest(lines: Map<string, number>, path: ReadonlyArray<PropertyKey>): number {
  for (let n = path.length - 1; n >= 0; n--) {
    const line = lines.get(path.slice(0, n).map(String).join('\u0000'));
    if (line !== undefined) return line;
  }
  return 1;
}

/** What happened to one session of an import. */
export type ImportStep =
  | { session: ImportSession; status: 'imported'; outcome: ExtractionOutcome }
  | { session: ImportSession; status: 'skipped'; reason: 'already imported' | 'being imported by another memagent' };

/** Totals of an import run. */
export interface ImportSummary {
  total: number;
  imported: number;
  skipped: number;
  /** Changes written over the whole run (summaries left out). */
  changes: number;
  redacted: number;
  /** The memory's revision at the end. */
  revision: number;
}

/** What `importSessions` needs: the extraction's dependencies (store, model, extraction model, clock, signal). */
export type ImportDeps = Omit<ExtractionDeps, 'review' | 'datedBySession'>;

/**
 * Imports `plan`'s sessions into `userId`'s memory one by one, in date order. Each session not
 * yet imported gets a journal (header `startedAt` = the session's date, its turns with secrets
 * redacted, as a chat journals them), then the extraction pass with the merge dating every item
 * by the session (`ExtractionDeps.datedBySession`), which writes under the lock and keeps the
 * session in episodic memory. `onStep` is called after each session, in order.
 *
 * Resumable and idempotent: a session already kept in episodic memory, or whose id is in the
 * memory's `appliedSessions`, is skipped; a journal of this session left by a killed import is
 * extracted as is when its merge already landed, and otherwise replaced by a fresh one from the
 * file (it may be cut short). Sessions already done before a failure stay done.
 * @throws ApiError, LockError, MemoryFileError, the storage error: the session being imported
 *   stays pending (its journal kept) and the next run resumes there.
 */
export async function importSessions(
  deps: ImportDeps,
  userId: string,
  plan: ImportPlan,
  onStep: (step: ImportStep, done: number) => void = () => {},
): Promise<ImportSummary> {
  const { store } = deps;
  const kept = new Set((await store.archive.sessions(userId)).map((s) => s.sessionId));
  const leftOver = await importJournalsLeft(deps, userId);
  const summary: ImportSummary = { total: plan.sessions.length, imported: 0, skipped: 0, changes: 0, redacted: 0, revision: 0 };
  let done = 0;
  for (const session of plan.sessions) {
    const step = await importOne(deps, userId, session, kept, leftOver.get(session.sessionId));
    if (step.status === 'imported') {
      summary.imported++;
      summary.changes += step.outcome.changes.filter((c) => c.type !== 'summary').length;
      summary.redacted += step.outcome.redacted;
    } else {
      summary.skipped++;
    }
    onStep(step, ++done);
  }
  summary.revision = (await store.load(userId)).memory.revision;
  return summary;
}

async function importOne(
  deps: ImportDeps,
  userId: string,
  session: ImportSession,
  kept: ReadonlySet<string>,
  leftOverRef: string | undefined,
): Promise<ImportStep> {
  const { store } = deps;
  if (kept.has(session.sessionId)) return { session, status: 'skipped', reason: 'already imported' };
  const { memory } = await store.load(userId);
  const applied = memory.appliedSessions?.includes(session.sessionId) ?? false;
  const extraction: ExtractionDeps = { ...deps, datedBySession: true };
  if (leftOverRef !== undefined) {
    const claim = await store.journals.claim(leftOverRef);
    if (!claim) return { session, status: 'skipped', reason: 'being imported by another memagent' };
    // Merged before the kill: extracting it again writes nothing and keeps the session.
    if (applied) return { session, status: 'imported', outcome: await extractJournal(extraction, userId, leftOverRef, claim) };
    // Not merged: the journal may have been cut short while it was written; the file is the source.
    try {
      await store.journals.retire(leftOverRef);
    } finally {
      await claim.release();
    }
  } else if (applied) {
    return { session, status: 'skipped', reason: 'already imported' };
  }
  const journal = await store.journals.open({ userId, sessionId: session.sessionId, model: IMPORTED_MODEL, now: new Date(session.startedAt) });
  try {
    for (const turn of session.turns) journal.append({ type: 'turn', role: turn.role, text: redactSecrets(turn.text).text, at: turn.at });
  } catch (error) {
    await journal.close(); // left pending: the next run replaces it from the file
    throw error;
  }
  return { session, status: 'imported', outcome: await extractJournal(extraction, userId, journal.path, journal.handOver()) };
}

// Journals of imported sessions a killed import left pending, by session id.
async function importJournalsLeft(deps: ImportDeps, userId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ref of await deps.store.journals.listPending(userId)) {
    // Only what may be ours is read (reading another session's damaged journal would set it aside).
    if (!ref.includes('imp-')) continue;
    try {
      const journal = await deps.store.journals.read(ref);
      if (journal.sessionId.startsWith('imp-')) out.set(journal.sessionId, ref);
    } catch {
      // Gone or set aside: not ours to handle here; the next chat reports it.
    }
  }
  return out;
}
