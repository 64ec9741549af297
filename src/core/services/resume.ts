/**
 * `chat --continue` / `--resume`: an earlier conversation's turns as the opening messages of a new
 * session. The new session has its own id and journal (the old session stays as it was kept);
 * only its conversation with the model starts with the old turns, as in Claude Code and Gemini
 * CLI. Its journal holds only its own turns, so the exit extraction never learns the old turns
 * a second time.
 */
import type { ChatSession } from '../chat-session.js';
import type { Episode } from '../recall/types.js';
import type { Turn } from '../schema.js';

/** How an answer the user stopped is sent back (the words `ChatSession` uses for its own). */
const INTERRUPTED_MARK = '[interrupted: the user stopped this answer]';

/**
 * The Messages API conversation a list of journaled turns makes (pure): empty turns dropped, an
 * interrupted answer marked as such, consecutive turns of one role joined (a user turn whose
 * answer failed is followed by another user turn), leading assistant turns dropped (a conversation
 * starts with the user), and a last user turn that never got an answer dropped (the new session's
 * first message follows an answer). Alternates user/assistant, starts with user, ends with assistant.
 */
export function conversationFromTurns(turns: readonly Turn[]): Array<{ role: 'user' | 'assistant'; content: string }> {
  const out: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  for (const turn of turns) {
    const text = turn.interrupted ? `${turn.text}${turn.text ? '\n\n' : ''}${INTERRUPTED_MARK}` : turn.text;
    if (text.trim() === '') continue;
    const last = out[out.length - 1];
    if (last?.role === turn.role) last.content += `\n\n${text}`;
    else if (last !== undefined || turn.role === 'user') out.push({ role: turn.role, content: text });
  }
  if (out[out.length - 1]?.role === 'user') out.pop();
  return out;
}

/**
 * Puts `episode`'s conversation at the start of `session`'s (before its first turn; the session's
 * journal and transcript are not touched). Returns how many messages were restored.
 * @throws Error when the session already has messages (restore first, then chat).
 */
export function restoreConversation(session: Pick<ChatSession, 'messages'>, episode: Pick<Episode, 'turns'>): number {
  if (session.messages.length > 0) throw new Error('restoreConversation: the session has already started');
  const messages = conversationFromTurns(episode.turns);
  session.messages.push(...messages);
  return messages.length;
}
