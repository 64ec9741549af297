/**
 * One-shot prompts: `memagent "question"` / `memagent chat "question"` (like `llm "…"` or
 * `claude -p`) send one turn, print the answer on stdout and save memory as a chat's exit does.
 * Piped stdin becomes context: `git diff | memagent "review this"` sends the piped text first, in a
 * fenced block, then the question (long material before the question, as Anthropic's prompting
 * guide recommends).
 */
import type { ChatSession } from '../core/index.js';
import { saveAndReport, sendPlain } from './pipe-chat.js';

/**
 * The one user turn (pure): `question` alone, or with `context` (piped stdin; blank counts as none)
 * before it in a fenced block whose fence is longer than any backtick run inside, so the text
 * cannot close it. A trailing newline of the context is dropped.
 */
export function oneShotPrompt(question: string, context: string | null): string {
  const text = context?.replace(/\r?\n$/, '') ?? '';
  if (text.trim() === '') return question;
  const longestRun = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}\n${text}\n${fence}\n\n${question}`;
}

/** All of stdin as UTF-8 when it is not a terminal (piped or redirected), else null (nothing to wait for). */
export async function readPipedStdin(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends `prompt` as the session's one turn, streaming the answer to stdout (plain text, a final
 * newline), then saves memory (extraction and merge, as at the end of a chat) reporting on stderr,
 * as pipe mode does (the same two steps: `sendPlain`, `saveAndReport`). A save that fails or times
 * out (`exitTimeoutMs`) keeps the journal for the next run.
 * @returns the exit code, as pipe mode's: 0, or 1 when the turn failed at the API or the memory
 *   could not be saved.
 */
export async function runOneShot(session: ChatSession, prompt: string, opts: { exitTimeoutMs: number }): Promise<number> {
  const code = await sendPlain(session, prompt);
  return Math.max(code, await saveAndReport(session, { ...opts, verbose: false }));
}
