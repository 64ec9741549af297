/**
 * The tool loop of one chat turn: stream the answer; while the model stops to call tools (and
 * the rounds stay under a bound), run the calls, append the assistant's blocks and a user message
 * of `tool_result` blocks to the conversation, and stream again. The conversation keeps the tool
 * blocks exactly as sent, so every later request starts with the same prefix (the prompt cache
 * stays valid).
 */
import type { SessionEvent } from '../events.js';
import { addUsage, emptyUsage, StreamBrokenError, type ChatMessage, type ChatRequest, type ContentBlock, type ModelClient, type Usage } from '../model-client.js';

/**
 * Rounds of tool calls one turn may run before the loop stops asking: a search, a write and a
 * correction fit in three; a model still calling tools after four is looping.
 */
export const MAX_TOOL_ROUNDS = 4;

/** Between the text of two rounds: what the user sees as a paragraph break. */
const ROUND_SEPARATOR = '\n\n';

/** One tool call the model made and what running it gave back. */
export interface ToolRun {
  id: string;
  name: string;
  input: unknown;
  content: string;
  isError: boolean;
}

/**
 * A stream that broke in a round after a tool round: `partialText` is all the text the user saw
 * (every round's), `lastText` the broken round's own text; the earlier rounds' text is already in
 * the conversation, in their assistant messages, so only `lastText` belongs in what is kept after.
 */
export class ToolTurnBrokenError extends StreamBrokenError {
  readonly lastText: string;
  constructor(message: string, partialText: string, lastText: string) {
    super(message, partialText);
    this.lastText = lastText;
  }
}

/** What `runToolLoop` needs. */
export interface ToolLoopOptions {
  model: ModelClient;
  /** The request without its messages; `tools` are offered in every round. */
  request: Omit<ChatRequest, 'messages'>;
  /** Runs one call; must not throw (memory tools return `is_error` results instead). */
  run: (call: { id: string; name: string; input: unknown }) => Promise<{ content: string; isError: boolean }>;
  /** Every text delta, retry and `tool_call` of the model, each `tool_result`, and the bound's `notice`. */
  onEvent: (event: SessionEvent) => void;
  /** Called after each call ran (to journal it), before the next round is streamed. */
  onToolRun?: (run: ToolRun) => void;
  /** Default `MAX_TOOL_ROUNDS`. */
  maxRounds?: number;
}

/** How the turn ended. */
export interface ToolLoopResult {
  /** The text of every round, joined by blank lines: what the user saw. */
  text: string;
  /**
   * The last round's own text ('' when it had none, or when an abort came after its tool calls
   * ran: then its text is already in the conversation): what an interrupted turn keeps.
   */
  lastText: string;
  /**
   * The assistant message to keep after the last round: that round's text only (each earlier
   * round's text is already in its own assistant message, with its tool_use blocks), or a
   * placeholder when it had none.
   */
  reply: ChatMessage;
  usage: Usage;
  aborted: boolean;
  /** Tool rounds that ran. */
  rounds: number;
  stopReason: string | null;
}

/**
 * Streams one turn with tool use. `messages` (the conversation, ending with the user's message)
 * is extended in place with each completed tool round (the assistant's blocks, then a user
 * message of `tool_result` blocks in call order), never with a half round: a `tool_use` is never
 * left without its result. At the bound, the last answer's calls are not run: its text is the
 * reply and a `notice` says the loop stopped. An abort between rounds or during one ends the
 * loop with `aborted: true` and the text shown so far (calls already started finish first: they
 * are local and short).
 * @throws StreamBrokenError / ApiError as `ModelClient.streamChat`; a break in a later round is a
 *   `ToolTurnBrokenError`: the text of the earlier rounds too in `partialText`, its own in `lastText`.
 */
export async function runToolLoop(messages: ChatMessage[], opts: ToolLoopOptions): Promise<ToolLoopResult> {
  const maxRounds = opts.maxRounds ?? MAX_TOOL_ROUNDS;
  const usage = emptyUsage();
  let shown = '';
  let rounds = 0;
  for (;;) {
    // `said` is what the model said this round; `roundText` is what the user saw of it (with the
    // break from the previous round's text).
    let roundText = '';
    let said = '';
    const before = shown;
    const onModelEvent = (event: SessionEvent): void => {
      if (event.type === 'text' && roundText === '' && before !== '' && !before.endsWith('\n')) {
        roundText += ROUND_SEPARATOR;
        opts.onEvent({ type: 'text', text: ROUND_SEPARATOR });
      }
      if (event.type === 'text') {
        roundText += event.text;
        said += event.text;
      }
      opts.onEvent(event);
    };
    let result;
    try {
      result = await opts.model.streamChat({ ...opts.request, messages }, onModelEvent);
    } catch (error) {
      if (before !== '' && error instanceof StreamBrokenError) throw new ToolTurnBrokenError(error.message, before + roundText, said);
      if (before !== '' && roundText === '') throw new ToolTurnBrokenError(error instanceof Error ? error.message : String(error), before, '');
      throw error;
    }
    addUsage(usage, result.usage);
    shown = before + roundText;
    const calls = (result.content ?? []).filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    if (result.aborted || result.stopReason !== 'tool_use' || calls.length === 0) {
      return { text: shown, lastText: said, reply: replyOf(said), usage, aborted: result.aborted, rounds, stopReason: result.stopReason };
    }
    if (rounds >= maxRounds) {
      opts.onEvent({ type: 'notice', level: 'warning', text: `stopped the memory tools after ${maxRounds} rounds in one answer` });
      // Its tool_use blocks are not kept (their calls did not run), so its text goes in the reply.
      return { text: shown, lastText: said, reply: replyOf(said), usage, aborted: false, rounds, stopReason: result.stopReason };
    }
    const results: ContentBlock[] = [];
    for (const call of calls) {
      const outcome = await opts.run({ id: call.id, name: call.name, input: call.input });
      opts.onEvent({ type: 'tool_result', id: call.id, name: call.name, content: outcome.content, isError: outcome.isError });
      opts.onToolRun?.({ id: call.id, name: call.name, input: call.input, content: outcome.content, isError: outcome.isError });
      results.push({ type: 'tool_result', tool_use_id: call.id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) });
    }
    messages.push({ role: 'assistant', content: result.content ?? calls }, { role: 'user', content: results });
    rounds++;
    if (opts.request.signal?.aborted) {
      // This round's text went into its assistant message above: nothing of it is repeated.
      return { text: shown, lastText: '', reply: replyOf(''), usage, aborted: true, rounds, stopReason: result.stopReason };
    }
  }
}

// The API refuses an empty assistant message before a later user message: a turn whose rounds
// said nothing in words (tools only) is kept as a short note instead.
function replyOf(text: string): ChatMessage {
  return { role: 'assistant', content: text === '' ? '(used memory tools)' : text };
}

