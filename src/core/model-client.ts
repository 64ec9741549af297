/**
 * The model as the core sees it, without the SDK: request/response shapes, the `ModelClient`
 * interface, and a lazy client that loads the real one (model.ts, which imports the SDK) on first
 * use. Chat start-up draws its prompt before the ~1 MB SDK chunk is compiled.
 */
import { ApiError } from './errors.js';
import type { z } from 'zod';

/** Token usage of one call, as the API reports it (tokens). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

import type { ModelEvent } from './events.js';

/** Something that happened during a call, for the UI (see `events.ts`). */
export type { ModelEvent };

/**
 * One block of a message's content, in the Messages API's own shapes (so the adapter passes them
 * through): text, a tool call the model made (`input` is parsed JSON), or the result given back
 * for one (`tool_use_id` pairs them; `is_error` when the tool refused).
 */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

/** One message of the conversation: plain text, or content blocks (recalled memory, tool use, tool results). */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

/** A tool the model may call: name, one-paragraph description, and its input as JSON Schema (from zod). */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; [key: string]: unknown };
}

/** A chat request: the system prompt and the conversation so far (last message is the user's). */
export interface ChatRequest {
  model: string;
  system: string;
  messages: ChatMessage[];
  /** Upper bound of the answer's length (tokens). */
  maxTokens: number;
  /** Tools the model may call in this answer; none when absent or empty. */
  tools?: ToolDefinition[];
  signal?: AbortSignal;
}

/** How a streamed turn ended. `aborted` is true when the caller's signal stopped it. */
export interface ChatResult {
  /** The answer's text (all text blocks, concatenated). */
  text: string;
  /**
   * The assistant message's content blocks in order (text and `tool_use`), to send back as the
   * assistant turn when `stopReason` is `tool_use`. Absent from adapters without tool support.
   */
  content?: ContentBlock[];
  stopReason: string | null;
  usage: Usage;
  aborted: boolean;
}

/** A structured-output request: the answer must validate against `schema`. */
export interface StructuredRequest<T> {
  model: string;
  system: string;
  user: string;
  schema: z.ZodType<T>;
  maxTokens: number;
  signal?: AbortSignal;
}

/** The model as the core sees it. Real: `createModelClient`. */
export interface ModelClient {
  /**
   * Streams one assistant turn, calling `onEvent` for each text delta and retry, and a
   * `tool_call` as each `tool_use` block of the answer completes (its input parsed). `req.tools`
   * are offered to the model; messages with content blocks are sent as they are.
   * Resolves with the whole text and the answer's blocks (`content`; `stopReason` `tool_use`
   * when the model waits for tool results), or the partial text, `aborted: true`, if the signal fired.
   * @throws ApiError after the SDK's retries are spent, or when the stream breaks mid-answer
   *   (kind `stream`; the partial text is on `error.partialText`).
   */
  streamChat(req: ChatRequest, onEvent: (event: ModelEvent) => void): Promise<ChatResult>;
  /**
   * One structured-output call (`messages.parse` with `zodOutputFormat`).
   * @throws ApiError (kind `invalid_output` when the answer is not valid for the schema, `timeout`
   *   when `req.signal` stopped it).
   */
  structured<T>(req: StructuredRequest<T>, onEvent?: (event: ModelEvent) => void): Promise<{ value: T; usage: Usage }>;
}

/** Options of the real client. */
export interface ModelClientOptions {
  apiKey: string;
  /** Defaults to the SDK's own (`ANTHROPIC_BASE_URL`, else the public API); the CLI passes it explicitly. */
  baseURL?: string;
  /** Retries of 429/529/5xx/connection errors, with the SDK's exponential backoff honouring `retry-after`. */
  maxRetries?: number;
  /** Per-request timeout (ms). The SDK retries timeouts too. */
  timeoutMs?: number;
}

/** Default retries: 3 retries (4 attempts) ride out a short overload without leaving the user waiting for minutes. */
export const DEFAULT_MAX_RETRIES = 3;
/** Default per-request timeout (ms): a stream that sends nothing for this long is treated as failed. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** An `ApiError` from a stream that broke mid-answer, carrying what was shown before it broke. */
export class StreamBrokenError extends ApiError {
  readonly partialText: string;
  constructor(message: string, partialText: string) {
    super('stream', message);
    this.partialText = partialText;
  }
}

/** A usage of zero tokens. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

/** Adds `add` into `total` (mutates `total`), field by field. */
export function addUsage(total: Usage, add: Usage): void {
  total.inputTokens += add.inputTokens;
  total.outputTokens += add.outputTokens;
  total.cacheReadTokens += add.cacheReadTokens;
  total.cacheWriteTokens += add.cacheWriteTokens;
}

/** A `ModelClient` that is loaded on first use, plus `preload()` to start loading it early. */
export interface LazyModelClient extends ModelClient {
  /** Starts loading the real client in the background (idempotent); load errors surface on use. */
  preload(): void;
}

/**
 * Wraps `load` (e.g. a dynamic import of model.ts) so the real client is created only when first
 * needed or preloaded. Calls made before it is ready wait for it.
 */
export function lazyModelClient(load: () => Promise<ModelClient>): LazyModelClient {
  let loading: Promise<ModelClient> | null = null;
  const get = () => (loading ??= load());
  return {
    preload() {
      get().catch(() => undefined);
    },
    async streamChat(req, onEvent) {
      return (await get()).streamChat(req, onEvent);
    },
    async structured(req, onEvent) {
      return (await get()).structured(req, onEvent);
    },
  };
}
