/**
 * The one union of events the core emits to front ends (the Ink REPL's `useChat`, pipe mode)
 * while a turn runs. The model adapter emits the subset it can see (`ModelEvent`); the session
 * passes those on and will add its own (tool results) when memory tools arrive. Front ends switch
 * on `type` exhaustively, so a new variant fails `tsc` until each of them handles it.
 */

/** Something that happened during a turn. */
export type SessionEvent =
  /** A piece of the answer, in order. */
  | { type: 'text'; text: string }
  /** The SDK is about to retry the call (`attempt` counts from 1); `reason` is one line. */
  | { type: 'retry'; attempt: number; reason: string }
  /** The model asks for tool `name` with `input` (already parsed JSON); `id` pairs it with its result. */
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  /** The result of tool call `id`, as given back to the model; `isError` when the tool refused or failed. */
  | { type: 'tool_result'; id: string; name: string; content: string; isError: boolean }
  /**
   * Automatic recall attached `count` memories (about `tokens` tokens) from archival/episodic
   * memory to the user's message before it was sent; the REPL shows one dim line. Never emitted
   * for 0 hits.
   */
  | { type: 'recall'; count: number; tokens: number }
  /**
   * Something the user must know that is not part of the answer, one line: e.g. the journal
   * cannot be written (disk full) and the session is not being kept on disk (`warning`), or it
   * can be again (`info`). The turn goes on.
   */
  | { type: 'notice'; level: 'warning' | 'info'; text: string };

/** The events a model call can emit: everything but tool results, recalls and notices, which the session produces. */
export type ModelEvent = Exclude<SessionEvent, { type: 'tool_result' } | { type: 'notice' } | { type: 'recall' }>;

/** The one line a front end shows for a `recall` event: `recalled 3 memories (~120 tokens)`. Pure. */
export function describeRecall(event: Extract<SessionEvent, { type: 'recall' }>): string {
  return `recalled ${event.count} ${event.count === 1 ? 'memory' : 'memories'} (~${event.tokens} tokens)`;
}
