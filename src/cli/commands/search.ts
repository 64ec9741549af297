/**
 * `memagent search --user <id> <query> [--limit N] [--json]`: one search over what is remembered
 * (the memory file), what was archived and the kept conversations, printed one dated line per hit
 * (the line the model gets from automatic recall, and the id), or the `SearchHit`s as JSON. Reads only; never creates
 * a directory.
 */
import { UsageError, formatRecallLine, terminalSafe, terminalSafeJson, type SearchHit } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `search`. */
export interface SearchFlags {
  user?: string;
  limit?: string;
  json?: boolean;
}

/** Hits a search may return (the `SearchOptions.limit` range). */
const MAX_LIMIT = 50;

/**
 * One hit as one line (pure): the line automatic recall puts in front of the model
 * (`formatRecallLine`: date, `until <date>:` for a superseded or retracted fact, `(uncertain)`,
 * `decided`, `you said:`), then the id to act on it (`memagent forget`) or the session to
 * `--resume`. Stored text is made terminal-safe.
 */
export function formatHit(hit: SearchHit): string {
  const ref = hit.kind === 'turn' ? `session ${hit.sessionId}` : hit.id;
  return terminalSafe(`${formatRecallLine(hit)} · ${ref}`);
}

/**
 * Runs `search`. Prints the hits best first, or one line saying there is nothing to search or
 * nothing matched (exit 0 either way: no hit is an answer).
 * @throws UsageError (bad user id, bad --limit, an empty query); MemoryFileError.
 */
export async function runSearch({ store }: Services, query: string, flags: SearchFlags): Promise<void> {
  const userId = requireUser(flags.user);
  const limit = parseLimit(flags.limit);
  if (query.trim() === '') throw new UsageError('search needs words to look for, e.g. memagent search --user alice pricing page');
  const hits = await store.archive.search(userId, query, { limit });
  if (flags.json) {
    process.stdout.write(`${terminalSafeJson(hits)}\n`);
    return;
  }
  if (hits.length === 0) {
    process.stdout.write(`${await nothingFound(store, userId, query)}\n`);
    return;
  }
  process.stdout.write(hits.map((h) => `${formatHit(h)}\n`).join(''));
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(raw)}`);
  return n;
}

// Says which: nothing kept at all (an empty archive), or nothing that matches.
async function nothingFound(store: Services['store'], userId: string, query: string): Promise<string> {
  const [{ exists }, sessions] = await Promise.all([store.load(userId), store.archive.sessions(userId)]);
  if (!exists && sessions.length === 0) return `Nothing is remembered about ${userId} yet: nothing to search.`;
  return `Nothing remembered about ${userId} matches ${JSON.stringify(terminalSafe(query))}.`;
}
