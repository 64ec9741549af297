/**
 * The Messages API wire format, as the recordings show it: ids, usage objects, `Message` JSON,
 * SSE frames and error bodies. Pure functions; the server decides what to send when.
 */
import { randomBytes } from 'node:crypto';
import type { ApiErrorType, StopReason } from './types.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += BASE62[b % 62];
  return out;
}

/** A request id shaped like the real ones (`req_011C` + 20 base-62 characters). */
export function requestId(): string {
  return 'req_011C' + base62(20);
}

/** A message id shaped like the real ones (`msg_01` + 22 base-62 characters). */
export function messageId(): string {
  return 'msg_01' + base62(22);
}

/** Token counts of one answer (all in tokens). `cacheTtl` says which bucket the creation counts in. */
export interface UsageCounts {
  input: number;
  cacheCreation: number;
  cacheRead: number;
  output: number;
  cacheTtl: '5m' | '1h';
}

/** The full `usage` object of a `Message` (and of `message_start`, with `output_tokens: 1`). */
export function fullUsage(u: UsageCounts, outputTokens = u.output): Record<string, unknown> {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheCreation,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: u.cacheTtl === '5m' ? u.cacheCreation : 0,
      ephemeral_1h_input_tokens: u.cacheTtl === '1h' ? u.cacheCreation : 0,
    },
    output_tokens: outputTokens,
    service_tier: 'standard',
    inference_geo: 'not_available',
  };
}

/** A tool-use id shaped like the real ones (`toolu_01` + 22 base-62 characters). */
export function toolUseId(): string {
  return 'toolu_01' + base62(22);
}

/** One content block of an answer with tool use: text, or a tool call with its input. */
export type AnswerBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** What one answer is: its text (or its blocks, with tool use), why it stopped, and its usage. */
export interface Answer {
  id: string;
  model: string;
  text: string;
  /** The content blocks when the answer is more than one text block (tool use); `text` is then their text. */
  blocks?: AnswerBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  usage: UsageCounts;
}

/** The non-streaming response body: a whole `Message` with one text block, or the answer's blocks. */
export function messageJson(a: Answer): Record<string, unknown> {
  return {
    model: a.model,
    id: a.id,
    type: 'message',
    role: 'assistant',
    content: a.blocks ?? [{ type: 'text', text: a.text }],
    stop_reason: a.stopReason,
    stop_sequence: a.stopSequence,
    stop_details: null,
    usage: fullUsage(a.usage),
  };
}

/** One SSE frame: `event: <name>\ndata: <json>\n\n` (SDK 1.11 drops frames without `event:`). */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `ping` frame, byte for byte as the API sends it (note the space after the colon). */
export const PING_FRAME = 'event: ping\ndata: {"type": "ping"}\n\n';

/** Frames that open a streamed answer: `message_start`, `content_block_start`, `ping`. */
export function openingFrames(a: Answer): string[] {
  const message = {
    model: a.model,
    id: a.id,
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: fullUsage(a.usage, 1),
  };
  return [
    sseFrame('message_start', { type: 'message_start', message }),
    sseFrame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    PING_FRAME,
  ];
}

/** One `content_block_delta` frame carrying `text`. */
export function deltaFrame(text: string): string {
  return sseFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
}

/** The `message_start` frame alone (content empty, `output_tokens: 1`, as recorded). */
export function messageStartFrame(a: Answer): string {
  return openingFrames(a)[0];
}

/**
 * `content_block_start` of block `index`: an empty text block, or a tool call with `input: {}`
 * (its input follows in `input_json_delta` pieces), as the recordings show.
 */
export function blockStartFrame(index: number, block: AnswerBlock): string {
  const contentBlock = block.type === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} };
  return sseFrame('content_block_start', { type: 'content_block_start', index, content_block: contentBlock });
}

/** One `content_block_delta` of block `index`: a `text_delta`, or an `input_json_delta` piece. */
export function blockDeltaFrame(index: number, delta: { text: string } | { partialJson: string }): string {
  const d = 'text' in delta ? { type: 'text_delta', text: delta.text } : { type: 'input_json_delta', partial_json: delta.partialJson };
  return sseFrame('content_block_delta', { type: 'content_block_delta', index, delta: d });
}

/** `content_block_stop` of block `index`. */
export function blockStopFrame(index: number): string {
  return sseFrame('content_block_stop', { type: 'content_block_stop', index });
}

/** `message_delta` (stop reason and usage) and `message_stop`: the end of every complete stream. */
export function messageEndFrames(a: Answer): string[] {
  return closingFrames(a).slice(1);
}

/**
 * Frames that close a streamed answer: `content_block_stop`, `message_delta` (whose usage repeats
 * the input and cache totals, as the real API does) and `message_stop`.
 */
export function closingFrames(a: Answer): string[] {
  return [
    sseFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseFrame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: a.stopReason, stop_sequence: a.stopSequence, stop_details: null },
      usage: {
        input_tokens: a.usage.input,
        cache_creation_input_tokens: a.usage.cacheCreation,
        cache_read_input_tokens: a.usage.cacheRead,
        output_tokens: a.usage.output,
      },
    }),
    sseFrame('message_stop', { type: 'message_stop' }),
  ];
}

/** The mid-stream error frame, as observed after an HTTP 200 (`details: null` included). */
export function errorFrame(type: ApiErrorType, message: string): string {
  return sseFrame('error', { type: 'error', error: { details: null, type, message } });
}

/** The HTTP error body: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function errorBody(type: ApiErrorType, message: string, reqId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: reqId });
}

/** The HTTP status the real API uses for each error type. */
export const STATUS_OF_ERROR: Record<ApiErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  timeout_error: 504,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * Split `text` into pieces of about `size` characters for `text_delta`s: whole words are kept
 * together when they fit, longer words are cut by code point. The pieces join back to `text`.
 */
export function chunkText(text: string, size: number): string[] {
  const max = Math.max(1, Math.floor(size));
  const tokens = text.match(/\s*\S+|\s+/g) ?? [];
  const chunks: string[] = [];
  let current = '';
  for (const token of tokens) {
    if (current.length + token.length <= max) {
      current += token;
      continue;
    }
    if (current) chunks.push(current);
    current = '';
    if (token.length <= max) {
      current = token;
      continue;
    }
    const points = Array.from(token);
    for (let i = 0; i < points.length; i += max) chunks.push(points.slice(i, i + max).join(''));
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Estimated tokens of a text: ceil(characters / 4), at least 1 for non-empty text. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}
