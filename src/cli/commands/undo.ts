/**
 * `memagent undo` and `memagent restore`: going back. Both write a new revision (revision numbers
 * only grow) whose content is an earlier one's, print what that changes in the words of the exit
 * report, and can themselves be undone with `undo`.
 */
import { UsageError, describeChange, diffMemories, emptyMemory, type Memory } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** The lines saying what going from `before` to `after` changed (`+ …`, `~ …`, `- retracted: …`), or one line saying nothing did. */
function changeLines(before: Memory, after: Memory): string[] {
  const changes = diffMemories(before, after);
  return changes.length ? changes.map((c) => describeChange(c).text) : ['(no fact, decision or summary changes)'];
}

/**
 * Reverts the last write of a user's memory (a session's save, a compaction, a `/remember`, an
 * undo or a restore) by writing the revision before it again as a new revision, and prints what
 * that changed. Running it again reverts the undo.
 * @throws MemagentError saying why there is nothing to undo (no earlier revision, no longer kept,
 *   or going back would change nothing: after a forget, or a restore of an unreadable file); MemoryFileError (naming the `restore` that gets out of a
 *   corrupt memory); LockError; UsageError.
 */
export async function runUndo({ store }: Services, flags: { user?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const result = await store.undo(userId);
  const lines = [
    `Undid revision ${result.before.revision} of ${userId}'s memory: revision ${result.restoredRevision} is back, as revision ${result.revision}.`,
    ...changeLines(result.before, result.after),
    `(memagent undo --user ${userId} reverts this undo; memagent show --user ${userId} --history lists earlier versions)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Writes the content of a kept version (`--revision N`, by default the newest intact one before
 * the current revision) as a new revision, and prints what that changed. A memory file that
 * cannot be read is moved aside (`<user>.json.corrupt-<time>`) first, never overwritten.
 * @throws UsageError for a malformed `--revision`; MemagentError when that version is not kept,
 *   damaged or current, or nothing intact is kept; MemoryFileError; LockError.
 */
export async function runRestore({ store }: Services, flags: { user?: string; revision?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  let revision: number | undefined;
  if (flags.revision !== undefined) {
    if (!/^\d+$/.test(flags.revision) || Number(flags.revision) < 1) throw new UsageError(`--revision needs a revision number (memagent show --user ${userId} --history lists them), not "${flags.revision}"`);
    revision = Number(flags.revision);
  }
  const result = await store.restore(userId, revision === undefined ? {} : { revision });
  const lines: string[] = [];
  if (result.movedAside) lines.push(`Moved the unreadable memory file aside to ${result.movedAside} (left as it was).`);
  lines.push(`Restored revision ${result.restoredRevision} of ${userId}'s memory, as revision ${result.revision}.`);
  lines.push(...changeLines(result.before ?? emptyMemory(userId, new Date(result.after.createdAt)), result.after));
  // A restore out of an unreadable file cannot be undone (undo never brings the damaged file
  // back): the moved-aside copy is the way back, said above.
  if (!result.movedAside) lines.push(`(memagent undo --user ${userId} reverts this restore)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
