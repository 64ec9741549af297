/**
 * Which earlier conversation `chat --continue` / `chat --resume [session]` reopens: the last kept
 * one, one named by id (or a unique start of one), or one the user picks in the terminal.
 */
import { MemagentError, UsageError, type Episode, type MemoryStore } from '../core/index.js';

/** The resume flags of `chat` as commander gives them (`--resume` alone is `true`). */
export interface ResumeFlags {
  continue?: boolean;
  resume?: string | boolean;
}

/** Sessions the picker offers: the most recent ones (older ones by id: memagent sessions). */
export const PICKER_SESSIONS = 9;

/**
 * The episode to restore, or null when neither flag is given (or the user picked none).
 * `pick` is called for `--resume` without an id, with the most recent sessions (newest first);
 * null means it cannot ask (no terminal).
 * @throws UsageError (both flags, no terminal to pick in); MemagentError when nothing is kept or
 *   the id names no kept session (the message says how to list them).
 */
export async function resolveResume(
  store: MemoryStore,
  userId: string,
  flags: ResumeFlags,
  pick: ((sessions: Awaited<ReturnType<MemoryStore['archive']['sessions']>>) => Promise<string | null>) | null,
): Promise<Episode | null> {
  const resume = flags.resume;
  if (!flags.continue && (resume === undefined || resume === false)) return null;
  if (flags.continue && resume !== undefined && resume !== false) throw new UsageError('--continue and --resume do not go together: pick one');
  const list = `memagent sessions --user ${userId}`;
  const sessions = await store.archive.sessions(userId);
  if (sessions.length === 0) throw new MemagentError(`no earlier conversation of ${userId} is kept yet, so there is nothing to ${flags.continue ? 'continue' : 'resume'}`);
  let sessionId: string;
  if (flags.continue) {
    sessionId = sessions[sessions.length - 1].sessionId;
  } else if (resume === true) {
    if (!pick) throw new UsageError(`--resume without a session id shows a list to pick from, which needs a terminal; name one (${list})`);
    const picked = await pick(sessions.slice(-PICKER_SESSIONS).reverse());
    if (picked === null) return null;
    sessionId = picked;
  } else {
    const wanted = String(resume);
    const matches = sessions.filter((s) => s.sessionId === wanted || s.sessionId.startsWith(wanted));
    const exact = matches.find((s) => s.sessionId === wanted);
    if (!exact && matches.length !== 1) {
      throw new MemagentError(
        matches.length === 0 ? `no kept conversation of ${userId} has the id ${JSON.stringify(wanted)} (${list})` : `${JSON.stringify(wanted)} starts ${matches.length} session ids; give more of it (${list})`,
      );
    }
    sessionId = (exact ?? matches[0]).sessionId;
  }
  const episode = await store.archive.readSession(userId, sessionId);
  if (!episode) throw new MemagentError(`the conversation ${sessionId} of ${userId} is no longer kept (${list})`);
  return episode;
}

/** One line saying what was reopened: `continuing the conversation of 2026-11-30 14:02 (6 turns)`. Pure. */
export function resumedLine(episode: Episode): string {
  const turns = episode.turns.filter((t) => t.role === 'user').length;
  return `continuing the conversation of ${episode.startedAt.slice(0, 16).replace('T', ' ')} (${turns} turn${turns === 1 ? '' : 's'}, session ${episode.sessionId})`;
}
