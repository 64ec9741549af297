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
  /** The model asks for tool `name` with `input` (already parsed JSON); `id` pairs it with its result. Not emitted yet. */
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  /** The result of tool call `id`, as given back to the model; `isError` when the tool refused or failed. Not emitted yet. */
  | { type: 'tool_result'; id: string; name: string; content: string; isError: boolean };

/** The events a model call can emit: everything but tool results, which the session produces. */
export type ModelEvent = Exclude<SessionEvent, { type: 'tool_result' }>;
