/**
 * `memagent sessions --user <id> [--json]`: the conversations kept in episodic memory, oldest
 * first (the newest next to the prompt), one line each: start, user turns, id, first line. The
 * id is what `chat --resume <id>` takes. Reads only; never creates a directory.
 */
import { terminalSafe, terminalSafeJson, type EpisodeSummary } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `sessions`. */
export interface SessionsFlags {
  user?: string;
  json?: boolean;
}

/** One session as one line (pure): `2026-03-01 14:02  12 turns  <id>  first line`. */
export function formatSession(s: EpisodeSummary): string {
  const when = s.startedAt.slice(0, 16).replace('T', ' ');
  const turns = `${String(s.turns).padStart(3)} turn${s.turns === 1 ? ' ' : 's'}`;
  return `${when}  ${turns}  ${s.sessionId}  ${terminalSafe(s.firstLine) || '(no user turn)'}`;
}

/** Runs `sessions`: the list, one line saying none are kept, or the `EpisodeSummary`s as JSON. @throws UsageError; the storage error. */
export async function runSessions({ store }: Services, flags: SessionsFlags): Promise<void> {
  const userId = requireUser(flags.user);
  const sessions = await store.archive.sessions(userId);
  if (flags.json) {
    process.stdout.write(`${terminalSafeJson(sessions)}\n`);
    return;
  }
  if (sessions.length === 0) {
    process.stdout.write(`No conversations of ${userId} are kept yet (incognito sessions never are).\n`);
    return;
  }
  process.stdout.write(sessions.map((s) => `${formatSession(s)}\n`).join(''));
  process.stdout.write(`${sessions.length} session${sessions.length === 1 ? '' : 's'}; reopen one with memagent chat --user ${userId} --resume <id> (--continue: the last).\n`);
}
