/**
 * The model adapter: the ONLY module that imports `@anthropic-ai/sdk`. It streams chat turns,
 * runs structured-output calls, reports retries as they happen, and translates the SDK's error
 * classes (chosen by HTTP status in the SDK's `APIError.generate`) into our `ApiError`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { partialParse } from '@anthropic-ai/sdk/_vendor/partial-json-parser/parser';
import type { Middleware } from '@anthropic-ai/sdk/core/middleware';
import type { z } from 'zod';
import { ApiError } from './errors.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  emptyUsage,
  StreamBrokenError,
  type ContentBlock,
  type ModelClient,
  type ModelClientOptions,
  type ModelEvent,
  type Usage,
} from './model-client.js';

// The SDK-free half of the model adapter lives in model-client.ts; re-exported for callers.
export * from './model-client.js';



/**
 * The structured-output format of each schema, converted once: `zodOutputFormat` turns the zod
 * schema into JSON Schema on every call (1-3 ms warm, 10-30 ms in a cold process, measured on the
 * extraction schema). The format is never mutated by the SDK, so one object serves every call.
 * Weak keys: a schema that is dropped takes its format with it.
 */
const outputFormats = new WeakMap<z.ZodType, ReturnType<typeof zodOutputFormat>>();

function outputFormatFor(schema: z.ZodType): ReturnType<typeof zodOutputFormat> {
  let format = outputFormats.get(schema);
  if (format === undefined) {
    format = zodOutputFormat(schema);
    outputFormats.set(schema, format);
  }
  return format;
}


/**
 * Builds the real model client over `@anthropic-ai/sdk`.
 * Caching: the system prompt block carries a `cache_control` breakpoint and the request carries
 * top-level `cache_control` (automatic caching puts a breakpoint on the last block), so the
 * system prompt and every earlier turn are read from cache on later turns.
 */
export function createModelClient(options: ModelClientOptions): ModelClient {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // The SDK's logger writes to the console; ours must not garble the REPL.
    logLevel: 'off',
  });
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;

  return {
    async streamChat(req, onEvent) {
      const answer = new AnswerAccumulator(onEvent);
      try {
        // The raw event stream, not `messages.stream()`: its MessageStream copies the text block and
        // emits three events per delta, where we need one callback; `AnswerAccumulator` builds the
        // same final message from the same events (see its doc comment).
        const stream = await client.messages.create(
          {
            model: req.model,
            max_tokens: req.maxTokens,
            system: [{ type: 'text', text: req.system, cache_control: { type: 'ephemeral' } }],
            // Our ContentBlock is the API's own shape (a subset), so messages pass through unchanged.
            messages: req.messages as Anthropic.MessageParam[],
            ...(req.tools && req.tools.length > 0 ? { tools: req.tools as Anthropic.Tool[] } : {}),
            cache_control: { type: 'ephemeral' },
            stream: true,
          },
          { signal: req.signal, middleware: [retryReporter(maxRetries, onEvent)] },
        );
        for await (const event of stream) answer.add(event);
        // The SDK ends the iteration quietly when the request is aborted mid-stream.
        if (stream.controller.signal.aborted) throw new Anthropic.APIUserAbortError();
        const message = answer.finish();
        return {
          text: answer.text,
          content: toContentBlocks(message.content),
          stopReason: message.stopReason,
          usage: toUsage(message.usage),
          aborted: false,
        };
      } catch (error) {
        const text = answer.text;
        if (req.signal?.aborted || error instanceof Anthropic.APIUserAbortError) {
          // An interrupted answer is billed too: the input as message_start reported it, and the
          // output streamed so far (the final count never came; estimated at 4 chars a token).
          const snapshot = answer.usage;
          const usage = snapshot ? toUsage(snapshot) : emptyUsage();
          usage.outputTokens = Math.max(usage.outputTokens, Math.ceil(text.length / 4));
          return { text, stopReason: null, usage, aborted: true };
        }
        const translated = translateError(error, req.model, options.baseURL);
        if (text.length > 0 || translated.kind === 'stream') {
          throw new StreamBrokenError(`the answer broke off: ${translated.message}`, text);
        }
        throw translated;
      }
    },

    async structured(req, onEvent) {
      try {
        const message = await client.messages.parse(
          {
            model: req.model,
            max_tokens: req.maxTokens,
            system: req.system,
            messages: [{ role: 'user', content: req.user }],
            output_config: { format: outputFormatFor(req.schema as z.ZodType) },
          },
          { signal: req.signal, middleware: onEvent ? [retryReporter(maxRetries, onEvent)] : [] },
        );
        if (message.parsed_output == null) {
          throw new ApiError('invalid_output', `the ${req.model} answer had no structured output`);
        }
        return { value: message.parsed_output as never, usage: toUsage(message.usage) };
      } catch (error) {
        if (error instanceof ApiError) throw error;
        // Our own deadline (e.g. the exit timeout), not the API: the SDK reports it as an
        // APIUserAbortError, which would otherwise read as "interrupted by the API".
        if (req.signal?.aborted) {
          throw new ApiError('timeout', `the ${req.model} call did not finish before the deadline and was stopped`);
        }
        throw translateError(error, req.model, options.baseURL);
      }
    },
  };
}

/** A content block as the stream builds it: its start, the text so far, the tool input's JSON so far. */
interface BlockSoFar {
  readonly start: Anthropic.ContentBlock;
  text: string;
  /** The tool input's JSON pieces joined, or null before the first `input_json_delta`. */
  json: string | null;
  /** `json` parsed, once asked for (the `tool_call` event and the final block share it, as in MessageStream). */
  input?: unknown;
}

/**
 * Builds one streamed answer from the raw SSE events, as the SDK's `MessageStream` does (SDK
 * 1.11, `lib/MessageStream.mjs`), but only the parts we read: text and `tool_use` blocks, the
 * stop reason and usage. Calls `onEvent` with each text delta (when the last block is a text
 * block, as `MessageStream`'s `text` event) and a `tool_call` at each `content_block_stop` whose
 * last block is a `tool_use` (its input parsed from the joined `input_json_delta` pieces with the
 * SDK's own partial-JSON parser, as `MessageStream` does; `{}`-style start input when none came).
 * Events before `message_start` are ignored, as there. Not thread-safe; one per request.
 */
class AnswerAccumulator {
  /** Every text delta emitted, joined (across text blocks): what the user saw. */
  text = '';
  /** message_start's usage, updated by message_delta; undefined before message_start. */
  usage: Anthropic.Usage | undefined;
  private stopReason: Anthropic.StopReason | null = null;
  private started = false;
  private stopped = false;
  private readonly blocks: BlockSoFar[] = [];

  constructor(private readonly onEvent: (event: ModelEvent) => void) {}

  /** Takes one event. @throws AnthropicError for a second message_start before message_stop (as MessageStream). */
  add(event: Anthropic.RawMessageStreamEvent): void {
    if (event.type === 'message_start') {
      if (this.started) throw new Anthropic.AnthropicError(`Unexpected event order, got ${event.type} before receiving "message_stop"`);
      this.started = true;
      this.usage = event.message.usage;
      this.stopReason = event.message.stop_reason;
      for (const block of event.message.content) this.blocks.push({ start: block, text: block.type === 'text' ? block.text : '', json: null });
      return;
    }
    if (!this.started) return;
    switch (event.type) {
      case 'content_block_delta': {
        const block = this.blocks.at(event.index);
        const delta = event.delta;
        if (delta.type === 'text_delta') {
          if (block?.start.type === 'text') block.text += delta.text;
          if (this.blocks.at(-1)?.start.type === 'text') {
            this.text += delta.text;
            this.onEvent({ type: 'text', text: delta.text });
          }
        } else if (delta.type === 'input_json_delta' && block && (block.start.type === 'tool_use' || block.start.type === 'server_tool_use')) {
          block.json = (block.json ?? '') + delta.partial_json;
          block.input = undefined;
        }
        return;
      }
      case 'content_block_start':
        this.blocks.push({ start: event.content_block, text: event.content_block.type === 'text' ? event.content_block.text : '', json: null });
        return;
      case 'content_block_stop': {
        const last = this.blocks.at(-1);
        if (last?.start.type === 'tool_use') this.onEvent({ type: 'tool_call', id: last.start.id, name: last.start.name, input: inputOf(last) });
        return;
      }
      case 'message_delta': {
        const usage = this.usage!;
        this.stopReason = event.delta.stop_reason;
        usage.output_tokens = event.usage.output_tokens;
        // Cumulative totals, omitted when they do not apply: overwrite when present, never add.
        if (event.usage.input_tokens != null) usage.input_tokens = event.usage.input_tokens;
        if (event.usage.cache_creation_input_tokens != null) usage.cache_creation_input_tokens = event.usage.cache_creation_input_tokens;
        if (event.usage.cache_read_input_tokens != null) usage.cache_read_input_tokens = event.usage.cache_read_input_tokens;
        return;
      }
      case 'message_stop':
        this.stopped = true;
        return;
    }
  }

  /**
   * The finished message. @throws AnthropicError with MessageStream's own messages when the
   * stream ended without any event, or without message_stop.
   */
  finish(): { content: Anthropic.ContentBlock[]; stopReason: Anthropic.StopReason | null; usage: Anthropic.Usage | undefined } {
    if (!this.started) throw new Anthropic.AnthropicError('request ended without sending any chunks');
    if (!this.stopped) throw new Anthropic.AnthropicError('stream ended without producing a Message with role=assistant');
    const content = this.blocks.map((b): Anthropic.ContentBlock => {
      if (b.start.type === 'text') return { ...b.start, text: b.text };
      if (b.start.type === 'tool_use') return { ...b.start, input: inputOf(b) };
      return b.start;
    });
    return { content, stopReason: this.stopReason, usage: this.usage };
  }
}

/** A tool_use block's input: its JSON pieces parsed as MessageStream parses them, else what content_block_start said. */
function inputOf(block: BlockSoFar): unknown {
  if (block.json === null) return (block.start as Anthropic.ToolUseBlock).input;
  block.input ??= block.json ? partialParse(block.json) : {};
  return block.input;
}

/** Middleware that reports, before each retry, why the previous attempt failed (runs per HTTP attempt). */
function retryReporter(maxRetries: number, onEvent: (event: ModelEvent) => void): Middleware {
  return async (request, next) => {
    const attempt = Number(request.headers.get('x-stainless-retry-count') ?? '0');
    try {
      const response = await next(request);
      if (isRetryableStatus(response.status) && attempt < maxRetries) {
        onEvent({ type: 'retry', attempt: attempt + 1, reason: describeStatus(response.status) });
      }
      return response;
    } catch (error) {
      if (attempt < maxRetries && !(error instanceof Error && error.name === 'AbortError')) {
        onEvent({ type: 'retry', attempt: attempt + 1, reason: 'connection failed' });
      }
      throw error;
    }
  };
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function describeStatus(status: number): string {
  if (status === 429) return 'rate limited (429)';
  if (status === 529) return 'API overloaded (529)';
  return `server error (${status})`;
}

/** The answer's text and tool_use blocks in our shape (thinking and server-tool blocks are not ours to send back). */
function toContentBlocks(content: Anthropic.ContentBlock[]): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const block of content) {
    // An empty text block cannot be sent back (the API refuses it), and says nothing.
    if (block.type === 'text' && block.text !== '') blocks.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') blocks.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
  }
  return blocks;
}

function toUsage(u: Anthropic.Usage | undefined): Usage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
  };
}


/** The API's own error message, without the SDK's `"<status> "` prefix or the JSON around it. */
function apiMessage(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  return error.message.replace(/^\d{3}\s+/, '');
}

/**
 * Translates anything the SDK throws into one `ApiError` whose message is a single line that
 * says what to do. Never includes the API key.
 */
export function translateError(error: unknown, model: string, baseURL?: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new ApiError('timeout', 'the API did not answer in time (request timed out after retries); try again');
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const where = baseURL ?? 'the Anthropic API';
    const cause = error.cause instanceof Error ? `: ${describeCause(error.cause)}` : '';
    return new ApiError('connection', `could not reach ${where}${cause}; check your network or ANTHROPIC_BASE_URL`);
  }
  if (error instanceof Anthropic.APIError) {
    const status = error.status;
    const opts = { status, requestId: error.requestID ?? undefined };
    const msg = oneLine(apiMessage(error));
    if (error instanceof Anthropic.AuthenticationError || error instanceof Anthropic.PermissionDeniedError) {
      return new ApiError(
        'auth',
        `the API rejected the key (${status}: ${msg}); set a valid ANTHROPIC_API_KEY in your environment or .env (see .env.example)`,
        opts,
      );
    }
    if (error instanceof Anthropic.RateLimitError) {
      return new ApiError('rate_limit', `rate limited by the API (429: ${msg}) after retries; wait a minute and try again`, opts);
    }
    if (error instanceof Anthropic.NotFoundError) {
      return new ApiError('not_found', `the API answered 404 (${msg}) for model "${model}"; check --model or MEMAGENT_MODEL`, opts);
    }
    if (error instanceof Anthropic.BadRequestError) {
      return new ApiError('bad_request', `the API refused the request (400: ${msg}) for model "${model}"`, opts);
    }
    if (status === 529) {
      return new ApiError('overloaded', `the API is overloaded (529) and retries ran out; try again shortly`, opts);
    }
    if (typeof status === 'number' && status >= 500) {
      return new ApiError('server', `the API failed (${status}: ${msg}) and retries ran out; try again shortly`, opts);
    }
    if (status === undefined) {
      return new ApiError('stream', `the stream was interrupted by the API (${msg})`, opts);
    }
    return new ApiError('bad_request', `the API answered ${status}: ${msg}`, opts);
  }
  // The zod helper throws a plain AnthropicError when the answer is not JSON or not valid for the schema.
  if (error instanceof Anthropic.AnthropicError && /structured output/i.test(error.message)) {
    const what = /as JSON/.test(error.message) ? 'was not valid JSON' : 'did not match the schema';
    return new ApiError('invalid_output', `the ${model} structured output ${what}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  // undici ends a response body whose connection the server dropped with TypeError('terminated').
  if (message === 'terminated') return new ApiError('stream', 'the connection to the API was lost');
  return new ApiError('stream', oneLine(message));
}

/** The most telling part of a connection error's cause chain: an errno code, else the innermost message. */
function describeCause(cause: Error): string {
  let innermost: Error = cause;
  for (let e: unknown = cause, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    innermost = e;
  }
  return oneLine(innermost.message);
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
