/**
 * Tool use in the fake: the checks the real API makes on `tools` and on how `tool_use` and
 * `tool_result` blocks pair up across messages (a client that breaks them gets the real 400), and
 * the default tool answers that let memagent's memory tools be tried by hand (`npm run fake-api`).
 */
import { contentText, lastUserText } from './chat.js';
import type { FakeStep } from './types.js';

type Body = Record<string, unknown>;
interface Block {
  type?: unknown;
  id?: unknown;
  tool_use_id?: unknown;
  content?: unknown;
  is_error?: unknown;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * The 400 message the real API gives for a request whose `tools` or tool blocks are malformed, or
 * undefined when they are fine: each tool needs a valid name and an `input_schema` of type object;
 * every `tool_use` of an assistant message must be answered by a `tool_result` in the next (user)
 * message, and every `tool_result` must answer a `tool_use` of the previous message. Pure.
 */
export function toolProblem(body: Body): string | undefined {
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return 'tools: Input should be a valid list';
    for (const [i, tool] of (body.tools as Array<Record<string, unknown> | null>).entries()) {
      if (typeof tool?.name !== 'string' || !TOOL_NAME.test(tool.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
      const schema = tool.input_schema as { type?: unknown } | undefined;
      if (schema?.type !== 'object') return `tools.${i}.input_schema.type: Input should be 'object'`;
    }
  }
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const blocksOf = (i: number): Block[] => (Array.isArray(messages[i]?.content) ? (messages[i].content as Block[]) : []);
  for (let i = 0; i < messages.length; i++) {
    const uses = messages[i]?.role === 'assistant' ? blocksOf(i).filter((b) => b?.type === 'tool_use').map((b) => String(b.id)) : [];
    const results = messages[i]?.role === 'user' ? blocksOf(i).filter((b) => b?.type === 'tool_result').map((b) => String(b.tool_use_id)) : [];
    if (results.length > 0) {
      const asked = i > 0 && messages[i - 1]?.role === 'assistant' ? blocksOf(i - 1).filter((b) => b?.type === 'tool_use').map((b) => String(b.id)) : [];
      const stray = results.filter((id) => !asked.includes(id));
      if (stray.length > 0) {
        return `messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    if (uses.length > 0 && i < messages.length - 1) {
      const answered = messages[i + 1]?.role === 'user' ? blocksOf(i + 1).filter((b) => b?.type === 'tool_result').map((b) => String(b.tool_use_id)) : [];
      const missing = uses.filter((id) => !answered.includes(id));
      if (missing.length > 0) {
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}

/** The names of the tools the request offers. */
export function offeredTools(body: Body): string[] {
  return Array.isArray(body.tools) ? (body.tools as Array<{ name?: unknown }>).map((t) => String(t?.name)) : [];
}

/**
 * The default answer of a request that offers tools, or undefined to answer as without tools.
 * After tool results: one line per result (`memory_remember: saved f_…`, or `… failed: <why>`).
 * Otherwise, when the tool is offered: `remember that <words>` → `memory_remember` (the words as
 * text and quote); `search memory for <words>` / `what did I say about <words>` →
 * `memory_search`; `correct <id>: <words>` → `memory_update`; `forget <id> [because <why>]` →
 * `memory_forget`; `[[tool:<name> <json>]]` → that call, as given (to try invalid input).
 */
export function defaultToolStep(body: Body): FakeStep | undefined {
  const offered = offeredTools(body);
  if (offered.length === 0) return undefined;
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const last = messages[messages.length - 1];
  const results = Array.isArray(last?.content) ? (last.content as Block[]).filter((b) => b?.type === 'tool_result') : [];
  if (results.length > 0) {
    const names = toolNames(messages);
    const lines = results.map((r) => {
      const name = names.get(String(r.tool_use_id)) ?? 'tool';
      const said = typeof r.content === 'string' ? r.content : contentText(r.content);
      return r.is_error === true ? `${name} failed: ${said}` : `${name}: ${said}`;
    });
    return { kind: 'text', text: lines.join('\n') };
  }
  // What the user typed (a recalled-memory block before it is not part of the request to act on).
  const message = lastUserText(body).trim();
  const call = toolCallFor(message);
  if (call === undefined || !offered.includes(call.name)) return undefined;
  return { kind: 'tool_use', text: `Using ${call.name}.`, calls: [call] };
}

function toolCallFor(message: string): { name: string; input: Record<string, unknown> } | undefined {
  const explicit = /\[\[tool:([\w-]+)\s+(\{[\s\S]*\})\]\]/.exec(message);
  if (explicit) {
    try {
      const input = JSON.parse(explicit[2]) as unknown;
      if (input && typeof input === 'object' && !Array.isArray(input)) return { name: explicit[1], input: input as Record<string, unknown> };
    } catch {
      return undefined;
    }
  }
  const remember = /^(?:please )?remember that (.+?)[.!]?$/is.exec(message);
  if (remember) return { name: 'memory_remember', input: { text: remember[1], kind: 'fact', quote: remember[1] } };
  const search = /^(?:search (?:my )?memory for|what did I say about) (.+?)[?.!]?$/is.exec(message);
  if (search) return { name: 'memory_search', input: { query: search[1], limit: 5 } };
  const correct = /^correct ([\w-]+)\s*:\s*(.+?)$/is.exec(message);
  if (correct) return { name: 'memory_update', input: { id: correct[1], text: correct[2], quote: correct[2] } };
  const forget = /^forget ([\w-]+_[\w-]+)(?: because (.+?))?[.!]?$/is.exec(message);
  if (forget) return { name: 'memory_forget', input: { id: forget[1], reason: forget[2] ?? 'the user asked' } };
  return undefined;
}

// tool_use id → tool name, over every assistant message of the conversation.
function toolNames(messages: Array<{ role?: unknown; content?: unknown }>): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m?.role !== 'assistant' || !Array.isArray(m.content)) continue;
    for (const b of m.content as Array<{ type?: unknown; id?: unknown; name?: unknown }>) {
      if (b?.type === 'tool_use') names.set(String(b.id), String(b.name));
    }
  }
  return names;
}
