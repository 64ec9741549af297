/**
 * The session journal's format, independent of where it is kept: a `session` header line, then
 * `turn` and `cleared` lines (JSON Lines, see `journalLineSchema`). Pure.
 */
import { randomInt } from 'node:crypto';
import { journalLineSchema, type JournalLine, type Turn } from '../schema.js';

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
    else out.turns.push({ role: line.role, text: line.text, at: line.at, ...(line.interrupted ? { interrupted: true } : {}) });
  }
  return out;
}

/**
 * Journal text without the turns whose text contains `needle` (lower-case) and the damaged lines
 * whose raw text does; headers and `cleared` lines stay. Pure.
 * @returns the kept lines (each ending in `\n`) and how many were removed.
 */
export function dropTurnsMentioning(text: string, needle: string): { kept: string; removed: number } {
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
    if (haystack.toLowerCase().includes(needle)) removed++;
    else kept.push(raw);
  }
  return { kept: kept.map((l) => `${l}\n`).join(''), removed };
}
