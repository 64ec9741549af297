/**
 * A memory tool call as the one line front ends show for it (the REPL's transcript, pipe mode's
 * stderr): `⚙ memory_remember "Lives in Lyon" → saved f_k3j9x0a1b2: Lives in Lyon`. Pure.
 */
import { terminalSafe } from '../terminal-safe.js';

// Longest piece of the input or result shown, in characters: the line stays one terminal row or two.
const SHOWN_MAX = 80;

/**
 * One line for a finished call: the tool, its main argument (the query, the fact text, or the
 * id), an arrow and the first line of its result (for a search, how many hits), or `✗` and why
 * it was refused. Text from the model goes through `terminalSafe`.
 */
export function describeToolRun(run: { name: string; input: unknown; content: string; isError: boolean }): string {
  const input = (run.input ?? {}) as Record<string, unknown>;
  const main = [input.query, input.text, input.id].find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
  const arg = main === undefined ? '' : ` "${cut(main)}"`;
  if (run.isError) return `⚙ ${terminalSafe(run.name)}${arg} ✗ ${cut(run.content)}`;
  const lines = run.content.split('\n').filter(Boolean);
  const result = run.name === 'memory_search' && !/^no memories/.test(run.content) ? `${lines.length} hit${lines.length === 1 ? '' : 's'}` : cut(lines[0] ?? '');
  return `⚙ ${terminalSafe(run.name)}${arg} → ${result}`;
}

function cut(text: string): string {
  const flat = terminalSafe(text.replace(/\s+/g, ' ').trim());
  const chars = Array.from(flat);
  return chars.length > SHOWN_MAX ? `${chars.slice(0, SHOWN_MAX - 1).join('')}…` : flat;
}
