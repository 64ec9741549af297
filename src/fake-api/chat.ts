/**
 * The default chat responder: a deterministic answer chosen from the last user message, so the
 * REPL can be tried by hand (`npm run fake-api`) and lenient tests get stable text.
 */
import type { FakeStep } from './types.js';

type Body = Record<string, unknown>;

/** The text of a message's content: a string, or its `text` blocks joined by newlines. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n');
}

function userMessages(body: Body): unknown[] {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: unknown; content?: unknown }>) : [];
  return messages.filter((m) => m?.role === 'user').map((m) => m.content);
}

/** The text of the request's last user message, without a recalled-memory block ('' when there is none). */
export function lastUserText(body: Body): string {
  const users = userMessages(body);
  if (users.length === 0) return '';
  const last = users[users.length - 1];
  // What the user typed, not the block memagent's automatic recall put before it: the default
  // answers (echo, `correct <id>: …`, `remember that …`) react to the typed text.
  const typed = Array.isArray(last) ? last.filter((b) => !(b?.type === 'text' && typeof b.text === 'string' && b.text.startsWith('<recalled-memory>'))) : last;
  return contentText(typed);
}

/** The system prompt as one string (text blocks joined by newlines). */
export function systemText(body: Body): string {
  return contentText(body.system);
}

/**
 * The `- ` lines of the system prompt's `<memory>` … `</memory>` block, without the dash. The block
 * whose tags stand on their own lines wins, so prose that mentions "the <memory> block" is skipped.
 */
export function memoryLines(system: string): string[] {
  let inner = /^<memory>[ \t]*$([\s\S]*?)^<\/memory>[ \t]*$/m.exec(system)?.[1];
  if (inner === undefined) {
    const close = system.lastIndexOf('</memory>');
    const open = close < 0 ? -1 : system.lastIndexOf('<memory>', close);
    if (open < 0) return [];
    inner = system.slice(open + '<memory>'.length, close);
  }
  return inner
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).trim())
    .filter(Boolean);
}

/** The fault steps `[[fault:<name>]]` in a message triggers. */
export const FAULTS: Record<string, FakeStep> = {
  '529': { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
  '429': {
    kind: 'error',
    status: 429,
    type: 'rate_limit_error',
    message: "This request would exceed your account's rate limit. Please try again later.",
    retryAfter: 1,
  },
  '500': { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' },
  '401': { kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  cut: { kind: 'cut', afterText: 'This answer starts well, but the connection is about to drop' },
  'stream-error': { kind: 'stream-error', afterText: 'This answer starts well, but the API is about to' },
};

/** A markdown answer with a heading, bold text, a bulleted list, a fenced code block and a link. */
export const MARKDOWN_ANSWER = [
  '# Markdown sample',
  '',
  'Here is some **bold text**, some *italic text* and `inline code`.',
  '',
  '- First item',
  '- Second item with **emphasis**',
  '- Third item',
  '',
  '```ts',
  'function greet(name: string): string {',
  '  return `Hello, ${name}!`;',
  '}',
  '```',
  '',
  'Read more at [the Anthropic docs](https://docs.anthropic.com).',
].join('\n');

const WORDS = (
  'the quick brown fox jumps over a lazy dog while memory keeps every small detail close ' +
  'and the agent answers with care so that each reply stays clear useful and kind'
).split(' ');

/** Exactly `n` words of filler, in paragraphs of 60 words separated by blank lines. */
export function longAnswer(n: number): string {
  const paragraphs: string[] = [];
  for (let start = 0; start < n; start += 60) {
    const words: string[] = [];
    for (let i = start; i < Math.min(n, start + 60); i++) words.push(WORDS[i % WORDS.length]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    paragraphs.push(words.join(' ') + '.');
  }
  return paragraphs.join('\n\n');
}

/** Largest `long N` honoured, in words (keeps a typo from building a gigabyte answer). */
export const MAX_LONG_WORDS = 100_000;

/**
 * The default chat answer for a request body, by the last user message: `[[fault:529|429|500|401|
 * cut|stream-error]]` → that fault; `markdown` → `MARKDOWN_ANSWER`; `long N` → N words;
 * `what do you know` / `remember` → the memory lines of the system prompt (or "I don't know
 * anything about you yet."); else `You said: "<message>". (fake API, N turns so far)`.
 */
export function defaultChatStep(body: Body): FakeStep {
  const message = lastUserText(body);
  const fault = /\[\[fault:([\w-]+)\]\]/.exec(message);
  if (fault && FAULTS[fault[1]]) return FAULTS[fault[1]];
  if (/markdown/i.test(message)) return { kind: 'text', text: MARKDOWN_ANSWER };
  const long = /\blong (\d+)\b/i.exec(message);
  if (long) return { kind: 'text', text: longAnswer(Math.min(Number(long[1]), MAX_LONG_WORDS)) };
  if (/what do you know|remember/i.test(message)) {
    const lines = memoryLines(systemText(body));
    const text = lines.length
      ? ['Here is what I remember about you:', ...lines.map((l) => `- ${l}`)].join('\n')
      : "I don't know anything about you yet.";
    return { kind: 'text', text };
  }
  const turns = userMessages(body).length;
  return { kind: 'text', text: `You said: "${message}". (fake API, ${turns} turns so far)` };
}
