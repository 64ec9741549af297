/**
 * Writing responses on a node:http `ServerResponse`: JSON messages, error bodies, and SSE streams
 * that end cleanly, with an `event: error`, or with a destroyed socket.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiErrorType } from './types.js';
import {
  type Answer,
  blockDeltaFrame,
  blockStartFrame,
  blockStopFrame,
  chunkText,
  closingFrames,
  deltaFrame,
  errorBody,
  errorFrame,
  messageEndFrames,
  messageJson,
  messageStartFrame,
  openingFrames,
  PING_FRAME,
} from './wire.js';

/** Per-response settings: the request id, pacing (ms, characters) and the server's stop signal. */
export interface ResponseContext {
  res: ServerResponse;
  requestId: string;
  chunkSize: number;
  chunkDelayMs: number;
  /** Aborted when the server closes, so pending delays end at once. */
  signal: AbortSignal;
}

/** Extra headers for an error response: `retry-after` (seconds) and `retry-after-ms` (ms). */
export interface RetryHints {
  retryAfter?: number;
  retryAfterMs?: number;
}

/** Send an error: `status` with `{"type":"error","error":{type,message},"request_id"}`. */
export function sendError(ctx: ResponseContext, status: number, type: ApiErrorType, message: string, hints: RetryHints = {}): void {
  const text = errorBody(type, message, ctx.requestId);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': ctx.requestId,
  };
  if (hints.retryAfter !== undefined) headers['retry-after'] = String(hints.retryAfter);
  if (hints.retryAfterMs) headers['retry-after-ms'] = String(hints.retryAfterMs);
  if (status === 429) headers['x-should-retry'] = 'true';
  ctx.res.writeHead(status, headers);
  ctx.res.end(text);
}

/** Send a JSON body with status 200 (a `Message`, a token count). */
export function sendJson(ctx: ResponseContext, value: unknown): void {
  const text = JSON.stringify(value);
  ctx.res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': ctx.requestId,
  });
  ctx.res.end(text);
}

/** Send a whole non-streaming answer. */
export function sendMessage(ctx: ResponseContext, answer: Answer): void {
  sendJson(ctx, messageJson(answer));
}

/**
 * Non-streaming "cut": status 200 and the headers of the whole `Message`, then the first half of
 * its bytes, then the socket is destroyed.
 */
export function sendCutMessage(ctx: ResponseContext, answer: Answer): void {
  const bytes = Buffer.from(JSON.stringify(messageJson(answer)));
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length, 'request-id': ctx.requestId });
  ctx.res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => ctx.res.socket?.destroy());
}

/** How a stream ends: normally, with an `event: error`, or by destroying the socket. */
export type StreamEnding = { kind: 'complete' } | { kind: 'error'; type: ApiErrorType; message: string } | { kind: 'cut' };

/**
 * Write one chunk and wait until it is handed to the socket (so a following `destroy()` cannot drop
 * it, and backpressure is respected). False when the connection is gone.
 */
function write(res: ServerResponse, data: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => resolve(false);
    res.once('close', onClose);
    res.write(data, (err) => {
      res.off('close', onClose);
      resolve(!err && !res.destroyed);
    });
  });
}

/**
 * Stream `answer` as SSE: `message_start`, `content_block_start`, `ping`, the text in `text_delta`s
 * of about `chunkSize` characters `chunkDelayMs` apart, then the ending. A complete stream sends
 * `content_block_stop`, `message_delta` and `message_stop`.
 */
export async function streamAnswer(ctx: ResponseContext, answer: Answer, ending: StreamEnding): Promise<void> {
  const { res } = ctx;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': ctx.requestId,
  });
  for (const frame of openingFrames(answer)) if (!(await write(res, frame))) return;
  const chunks = chunkText(answer.text, ctx.chunkSize);
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0 && ctx.chunkDelayMs > 0) await sleep(ctx.chunkDelayMs, undefined, { signal: ctx.signal });
    if (!(await write(res, deltaFrame(chunks[i])))) return;
  }
  if (ending.kind === 'cut') {
    res.socket?.destroy();
    return;
  }
  const frames = ending.kind === 'error' ? [errorFrame(ending.type, ending.message)] : closingFrames(answer);
  for (const frame of frames) if (!(await write(res, frame))) return;
  res.end();
}

/**
 * Stream an answer made of content blocks (text and `tool_use`), as the recorded tool-use
 * fixtures do: `message_start`; per block `content_block_start` (a tool call with `input: {}`),
 * a `ping` after the first one, its deltas (`text_delta`s of about `chunkSize` characters; for a
 * tool call an empty `input_json_delta` then its input's JSON in pieces of about `jsonChunkSize`
 * characters), `content_block_stop`; then `message_delta` and `message_stop`.
 */
export async function streamBlocks(ctx: ResponseContext, answer: Answer, jsonChunkSize: number): Promise<void> {
  const { res } = ctx;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': ctx.requestId,
  });
  const send = async (frame: string): Promise<boolean> => write(res, frame);
  if (!(await send(messageStartFrame(answer)))) return;
  const blocks = answer.blocks ?? [{ type: 'text' as const, text: answer.text }];
  for (const [index, block] of blocks.entries()) {
    if (!(await send(blockStartFrame(index, block)))) return;
    if (index === 0 && !(await send(PING_FRAME))) return;
    const pieces =
      block.type === 'text'
        ? chunkText(block.text, ctx.chunkSize).map((text) => ({ text }))
        : ['', ...jsonPieces(JSON.stringify(block.input), jsonChunkSize)].map((partialJson) => ({ partialJson }));
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && ctx.chunkDelayMs > 0) await sleep(ctx.chunkDelayMs, undefined, { signal: ctx.signal });
      if (!(await send(blockDeltaFrame(index, pieces[i])))) return;
    }
    if (!(await send(blockStopFrame(index)))) return;
  }
  for (const frame of messageEndFrames(answer)) if (!(await send(frame))) return;
  res.end();
}

// Cuts JSON text into pieces of `size` code points: like the recordings, pieces split keys and
// strings anywhere ("{\"locati", "on\": \"P"), which is what the SDK's partial-JSON parser handles.
function jsonPieces(json: string, size: number): string[] {
  const points = Array.from(json);
  const max = Math.max(1, Math.floor(size));
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += max) pieces.push(points.slice(i, i + max).join(''));
  return pieces;
}
