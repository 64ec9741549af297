/**
 * `memagent migrate`: copies what memagent keeps about users from one `MemoryStore` to another
 * (files → PostgreSQL or back), through the storage interface only, then verifies the copy by
 * comparing exports. The source is only read. Re-running it copies nothing twice.
 *
 * What is copied per user: the current memory (written to the target as one new revision: the
 * target's revisions only grow, so `revision` and `updatedAt` are the target's; everything else
 * is identical), the archived items (as they are, by `ArchiveStore.importItems`) and the kept
 * sessions (re-journaled in the target, then kept by its `keepSession`). Not copied: earlier
 * versions (undo history; the interface reads only their sizes), pending journals and input
 * history (they stay on this machine, in the memory dir, for both stores).
 */
import { MemagentError } from '../errors.js';
import type { JournalLine, Memory } from '../schema.js';
import type { ArchivedItem, Episode } from '../recall/types.js';
import type { MemoryStore } from '../storage/store.js';

/** What `migrateUser` did for one user. Counts are of what was written to the target this run. */
export interface MigrateReport {
  userId: string;
  /** Whether the current memory was written (false: the target already held the same). */
  memoryWritten: boolean;
  /** Archived items in the source (all are in the target afterwards). */
  items: number;
  /** Kept sessions copied this run (those the target had already are skipped). */
  sessionsCopied: number;
  /** Kept sessions in the source. */
  sessions: number;
}

/**
 * A memory's export with the two fields a store owns left out (`revision`, `updatedAt`): what two
 * stores must agree on for a copy to be the same memory. Pure.
 */
export function exportedContent(memory: Memory): string {
  const { revision: _revision, updatedAt: _updatedAt, ...content } = memory;
  return JSON.stringify(content);
}

/**
 * Copies `userId` from `from` to `to` and verifies it (see the module comment). Idempotent: a
 * second run writes nothing. The target's own different memory of the user is never
 * overwritten (nothing of that user is copied then).
 * @throws MemagentError when the target holds a different memory of the user, cannot import
 *   archived items, or the verification finds a difference (naming it); the stores' errors.
 */
export async function migrateUser(from: MemoryStore, to: MemoryStore, userId: string): Promise<MigrateReport> {
  const source = await from.load(userId);
  const target = await to.load(userId);
  if (target.exists && exportedContent(target.memory) !== exportedContent(source.memory) && source.exists) {
    throw new MemagentError(
      `${userId} already has a different memory in ${to.location} (revision ${target.memory.revision}); not overwritten: copy it the other way, or forget it there first`,
    );
  }
  const report: MigrateReport = { userId, memoryWritten: false, items: 0, sessionsCopied: 0, sessions: 0 };
  if (source.exists && !target.exists) {
    const { written } = await to.update(userId, (current) =>
      exportedContent(current) === exportedContent(source.memory) ? null : { ...source.memory, revision: current.revision, updatedAt: current.updatedAt },
    );
    report.memoryWritten = written;
  }

  const { items, skipped } = await from.archive.items(userId);
  if (skipped > 0) throw new MemagentError(`${skipped} archived item(s) of ${userId} in ${from.location} are unreadable; nothing of their archive was copied`);
  report.items = items.length;
  if (items.length > 0) {
    if (!to.archive.importItems) throw new MemagentError(`${to.location} cannot take archived items yet; ${userId}'s ${items.length} archived item(s) were not copied`);
    await to.archive.importItems(userId, items);
  }

  const sessions = await from.archive.sessions(userId);
  report.sessions = sessions.length;
  const there = new Set((await to.archive.sessions(userId)).map((s) => s.sessionId));
  for (const s of sessions) {
    if (there.has(s.sessionId)) continue;
    const episode = await from.archive.readSession(userId, s.sessionId);
    if (!episode) continue; // pruned or forgotten meanwhile
    await copySession(to, episode);
    report.sessionsCopied++;
  }

  await verify(from, to, userId, source.exists);
  return report;
}

/** Writes `episode` to `to` as a journal (header, turns, recall and tool lines in place) and keeps it. */
async function copySession(to: MemoryStore, episode: Episode): Promise<void> {
  const journal = await to.journals.open({ userId: episode.userId, sessionId: episode.sessionId, model: episode.model, now: new Date(episode.startedAt) });
  try {
    const lines: JournalLine[] = [];
    const tool = (t: NonNullable<Episode['tools']>[number], i: number, at: string): JournalLine => ({ type: 'tool', at, id: `migrated-${i}`, name: t.name, input: t.input, result: t.result, isError: t.isError });
    (episode.tools ?? []).forEach((t, i) => t.afterTurn === 0 && lines.push(tool(t, i, episode.startedAt)));
    episode.turns.forEach((turn, n) => {
      for (const r of episode.recalls ?? []) if (r.beforeTurn === n) lines.push({ type: 'recall', at: turn.at, ids: r.ids, tokens: r.tokens });
      lines.push({ type: 'turn', role: turn.role, text: turn.text, at: turn.at, ...(turn.interrupted ? { interrupted: true } : {}) });
      (episode.tools ?? []).forEach((t, i) => {
        if (t.afterTurn === n + 1) lines.push(tool(t, i, turn.at));
      });
    });
    for (const line of lines) journal.append(line);
  } catch (err) {
    await journal.retire();
    throw err;
  }
  await journal.close();
  await to.archive.keepSession(episode.userId, journal.path);
}

/**
 * Compares what the two stores export for `userId`: the memory (without revision and
 * updatedAt), the archived items, and every kept session of the source with its turns.
 * @throws MemagentError naming the first difference.
 */
async function verify(from: MemoryStore, to: MemoryStore, userId: string, hasMemory: boolean): Promise<void> {
  const differ = (what: string) => new MemagentError(`the copy of ${userId} in ${to.location} differs from ${from.location} (${what}); the source is unchanged, run migrate again`);
  if (hasMemory && exportedContent((await from.load(userId)).memory) !== exportedContent((await to.load(userId)).memory)) throw differ('memory');
  const key = (a: ArchivedItem) => JSON.stringify(a);
  const there = new Set((await to.archive.items(userId)).items.map(key));
  if ((await from.archive.items(userId)).items.some((a) => !there.has(key(a)))) throw differ('archived items');
  for (const s of await from.archive.sessions(userId)) {
    const [a, b] = await Promise.all([from.archive.readSession(userId, s.sessionId), to.archive.readSession(userId, s.sessionId)]);
    if (a && JSON.stringify(a.turns) !== JSON.stringify(b?.turns)) throw differ(`session ${s.sessionId}`);
  }
}
