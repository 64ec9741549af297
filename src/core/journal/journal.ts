/**
 * The session journal's format, independent of where it is kept: a `session` header line, then
 * `turn` and `cleared` lines (JSON Lines, see `journalLineSchema`). Pure.
 */
import { randomInt } from 'node:crypto';
import { MemagentError } from '../errors.js';
import { journalLineSchema, type JournalLine, type Turn } from '../schema.js';

/**
 * A pending journal that is not extracted as it is, so that it never blocks the ones after it:
 * either moved aside (`movedTo`: it cannot be read, e.g. a directory or a file too large to be a
 * journal) or refused and left in place (`movedTo` null: a symlink, or a journal whose header
 * names another user, which must never be merged into this user's memory). `message` is the one
 * line to show, with the journal's reference (its path in the file store). Exit code 1.
 */
export class JournalSetAsideError extends MemagentError {
  readonly ref: string;
  readonly movedTo: string | null;
  constructor(ref: string, problem: string, movedTo: string | null) {
    super(`${ref} ${problem}; ${movedTo === null ? 'not read, left in place' : `moved aside to ${movedTo}`}`);
    this.ref = ref;
    this.movedTo = movedTo;
  }
}

/**
 * The journal is no longer there: another process extracted and retired it between the listing
 * and the read (or `forget --all` removed it). For a pending journal this means "already
 * handled", not a failure. Exit code 1.
 */
export class JournalGoneError extends MemagentError {
  readonly ref: string;
  constructor(ref: string) {
    super(`${ref} is gone (already saved by another memagent, or forgotten)`);
    this.ref = ref;
  }
}

/** The header line of a journal. */
export type SessionHeader = Extract<JournalLine, { type: 'session' }>;

/** What `readJournal` found. */
export interface JournalContents {
  /** The first valid `session` line, or null if it is missing or damaged. */
  header: SessionHeader | null;
  /** Every turn in file order, across `/clear`s (cleared turns are still material for extraction). */
  turns: Turn[];
  /** Each `/clear`: when, and the index in `turns` of the first turn after it. */
  cleared: Array<{ at: string; beforeTurn: number }>;
  /** Lines skipped because they are not JSON or not a valid `JournalLine` (e.g. a half-written last line). */
  damagedLines: number;
  /** Each automatic recall, with the index in `turns` of the user turn it was attached to. Absent when none. */
  recalls?: Array<Extract<JournalLine, { type: 'recall' }> & { beforeTurn: number }>;
  /** Each memory tool call, with the number of turns before it (it belongs to the turn being answered). Absent when none. */
  tools?: Array<Extract<JournalLine, { type: 'tool' }> & { afterTurn: number }>;
}

/**
 * A new session id that sorts by start time: `20261120T232129Z-` + 6 random base-36 chars
 * (UTC, second precision; the random part keeps two sessions started in the same second apart).
 */
export function newSessionId(now: Date): string {
  const stamp = `${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
  return `${stamp}-${randomInt(36 ** 6).toString(36).padStart(6, '0')}`;
}

/**
 * Parses journal text: damaged lines (not JSON, not a valid `JournalLine`, e.g. a half-written
 * last line) are counted, never fatal. Pure.
 */
export function parseJournal(text: string): JournalContents {
  const out: JournalContents = { header: null, turns: [], cleared: [], damagedLines: 0 };
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      out.damagedLines++;
      continue;
    }
    const parsed = journalLineSchema.safeParse(json);
    if (!parsed.success) {
      out.damagedLines++;
      continue;
    }
    const line = parsed.data;
    // A later header is the one `append` rewrites when it recreates a deleted journal: same session.
    if (line.type === 'session') out.header ??= line;
    else if (line.type === 'cleared') out.cleared.push({ at: line.at, beforeTurn: out.turns.length });
    else if (line.type === 'recall') (out.recalls ??= []).push({ ...line, beforeTurn: line.follows ? Math.max(0, out.turns.length - 1) : out.turns.length });
    else if (line.type === 'tool') (out.tools ??= []).push({ ...line, afterTurn: out.turns.length });
    else out.turns.push({ role: line.role, text: line.text, at: line.at, ...(line.interrupted ? { interrupted: true } : {}) });
  }
  return out;
}

/**
 * Journal text without the turns whose text contains `needle` (lower-case), or for which `needle`
 * returns true when it is a function, and the damaged lines whose raw text does; headers and
 * `cleared` lines stay. Pure.
 * @returns the kept lines (each ending in `\n`) and how many were removed.
 */
export function dropTurnsMentioning(text: string, needle: string | ((text: string) => boolean)): { kept: string; removed: number } {
  const mentions = typeof needle === 'string' ? (s: string) => s.toLowerCase().includes(needle) : needle;
  const kept: string[] = [];
  let removed = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let line: JournalLine | null = null;
    try {
      const parsed = journalLineSchema.safeParse(JSON.parse(raw));
      if (parsed.success) line = parsed.data;
    } catch {
      // damaged: judged on its raw text below
    }
    const haystack = line === null ? raw : line.type === 'turn' ? line.text : '';
    if (haystack !== '' && mentions(haystack)) removed++;
    else kept.push(raw);
  }
  return { kept: kept.map((l) => `${l}\n`).join(''), removed };
}
