/**
 * A fake Anthropic Messages API on 127.0.0.1 that speaks the real wire format, so the real SDK can
 * be pointed at it (`baseURL` / `ANTHROPIC_BASE_URL`). Routes: `POST /v1/messages` (JSON or SSE)
 * and `POST /v1/messages/count_tokens`. Answers come from a script of steps (`enqueue`) or, when
 * none is queued, from deterministic default responders; prompt caching follows the real rules.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { breakpoints, MAX_BREAKPOINTS, PromptCache, promptBlocks } from './cache.js';
import { defaultChatStep, lastUserText } from './chat.js';
import { defaultExtraction, looksLikeExtractionSchema } from './extraction.js';
import { minimalInstance } from './json-instance.js';
import { type ResponseContext, sendCutMessage, sendError, sendJson, sendMessage, streamAnswer, streamBlocks } from './respond.js';
import { defaultToolStep, toolProblem } from './tools.js';
import type { ApiErrorType, FakeApi, FakeApiOptions, FakeStep, RecordedRequest, StepMatch, StopReason } from './types.js';
import { type Answer, type AnswerBlock, messageId, requestId, STATUS_OF_ERROR, tokensOf, toolUseId } from './wire.js';

export type * from './types.js';

type Body = Record<string, unknown>;

/** A request the API refuses before answering: status, error type and message. */
interface Refusal {
  status: number;
  type: ApiErrorType;
  message: string;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 409 || status === 429 || status >= 500;

/** Waits for `p` to settle (either way); rejects like `sleep` does if `signal` aborts first (server closing). */
function untilOrAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(new DOMException('The operation was aborted', 'AbortError'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    const settle = () => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    p.then(settle, settle);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Refusals the real API gives for malformed requests (checked before any step is consumed). */
function validate(body: unknown, needMaxTokens: boolean): Refusal | undefined {
  const bad = (message: string): Refusal => ({ status: 400, type: 'invalid_request_error', message });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('The request body is not valid JSON.');
  const b = body as Body;
  if (typeof b.model !== 'string') return bad('model: Field required');
  if (needMaxTokens && typeof b.max_tokens !== 'number') return bad('max_tokens: Field required');
  if (!Array.isArray(b.messages)) return bad('messages: Field required');
  if (b.messages.length === 0) return bad('messages: at least one message is required');
  const messages = b.messages as Array<{ content?: unknown }>;
  for (let i = 0; i < messages.length; i++) {
    const content = messages[i]?.content;
    const isFinalAssistant = i === messages.length - 1 && (messages[i] as { role?: unknown }).role === 'assistant';
    if ((content === '' || (Array.isArray(content) && content.length === 0)) && !isFinalAssistant) {
      return bad(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    if (Array.isArray(content)) {
      const j = content.findIndex((c) => c?.type === 'text' && c.text === '');
      if (j >= 0) return bad(`messages.${i}.content.${j}.text: text content blocks must be non-empty`);
    }
  }
  const toolRefusal = toolProblem(b);
  if (toolRefusal) return bad(toolRefusal);
  const count = breakpoints(promptBlocks(b), b.cache_control).length;
  if (count > MAX_BREAKPOINTS) return bad(`A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`);
  if (!b.model.startsWith('claude-')) return { status: 404, type: 'not_found_error', message: `model: ${b.model}` };
  return undefined;
}

/** Cut `text` by the request's `stop_sequences` and `max_tokens` (≈ 4 characters per token). */
function applyLimits(body: Body, text: string): { text: string; stopReason: StopReason; stopSequence: string | null } {
  const sequences = Array.isArray(body.stop_sequences) ? (body.stop_sequences as unknown[]).filter((s) => typeof s === 'string' && s) : [];
  let first: { at: number; seq: string } | undefined;
  for (const seq of sequences as string[]) {
    const at = text.indexOf(seq);
    if (at >= 0 && (!first || at < first.at)) first = { at, seq };
  }
  const limited = first ? text.slice(0, first.at) : text;
  const maxChars = typeof body.max_tokens === 'number' ? Math.max(0, body.max_tokens) * 4 : Infinity;
  const points = Array.from(limited);
  if (points.length > maxChars) return { text: points.slice(0, maxChars).join(''), stopReason: 'max_tokens', stopSequence: null };
  return first ? { text: limited, stopReason: 'stop_sequence', stopSequence: first.seq } : { text, stopReason: 'end_turn', stopSequence: null };
}

/**
 * Start a fake Messages API on 127.0.0.1 (`options.port`, default any free port). Resolves once it
 * listens. See `FakeApiOptions` for pacing, strictness, auth and cache settings, and `FakeStep` for
 * what can be scripted. Typical test use:
 *
 *   const fake = await startFakeApi({ strict: true });
 *   fake.enqueue({ kind: 'text', text: 'Hi!' }, { match: 'extract', kind: 'json', value: extraction });
 *   const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 2 });
 *   …
 *   expect(fake.unexpected).toEqual([]);
 *   await fake.close();
 *
 * Order of checks per request: route (unknown → 404), key (401), body validation (400, unknown
 * model 404), then the next matching step, else strict 500 or the default responder.
 */
export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const now = options.now ?? Date.now;
  const chunkSize = options.chunkSize ?? 8;
  const retryAfterMs = options.retryAfterMs ?? 10;
  const queue: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const cache = new PromptCache(options.minCacheableTokens ?? 1024, now);
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  const log = options.log ?? (() => {});

  function takeStep(kind: StepMatch): FakeStep | undefined {
    const i = queue.findIndex((s) => !s.match || s.match === kind);
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  }

  function defaultStep(body: Body, kind: StepMatch): FakeStep {
    if (kind === 'chat') return defaultToolStep(body) ?? defaultChatStep(body);
    const schema = (body.output_config as { format: { schema?: Body } }).format.schema ?? {};
    if (looksLikeExtractionSchema(schema)) return { kind: 'json', value: defaultExtraction(lastUserText(body)) };
    return { kind: 'json', value: minimalInstance(schema) };
  }

  /** The answer to `body` with `text`: limits applied (unless `stopReason` is forced), cache accounted. */
  function answerFor(body: Body, rawText: string, stopReason?: StopReason): Answer {
    const limited = stopReason ? { text: rawText, stopReason, stopSequence: null } : applyLimits(body, rawText);
    const usage = cache.account(body.model as string, promptBlocks(body), body.cache_control);
    const output = Math.max(1, tokensOf(limited.text));
    return {
      id: messageId(),
      model: body.model as string,
      ...limited,
      usage: { input: usage.input, cacheCreation: usage.cacheCreation, cacheRead: usage.cacheRead, output, cacheTtl: usage.ttl },
    };
  }

  /** Play one step as the answer to a validated `/v1/messages` request. */
  async function play(step: FakeStep, body: Body, ctx: ResponseContext): Promise<string> {
    await sleep(step.delayMs ?? options.firstByteDelayMs ?? 0, undefined, { signal: ctx.signal });
    if (step.until) await untilOrAborted(step.until, ctx.signal);
    if (step.kind === 'hang') return 'hang';
    if (step.kind === 'error') {
      const retryAfter = step.retryAfter ?? (step.status === 429 ? 1 : undefined);
      const ms = step.retryAfterMs ?? (RETRYABLE(step.status) ? retryAfterMs : undefined);
      sendError(ctx, step.status, step.type, step.message, { retryAfter, retryAfterMs: ms });
      return `${step.status} ${step.type}`;
    }
    const paced = { ...ctx, chunkSize: step.chunkSize ?? ctx.chunkSize, chunkDelayMs: step.chunkDelayMs ?? ctx.chunkDelayMs };
    const streaming = body.stream === true;
    if (step.kind === 'stream-error') {
      const type = step.type ?? 'overloaded_error';
      const message = step.message ?? 'Overloaded';
      if (!streaming) {
        const status = STATUS_OF_ERROR[type];
        sendError(ctx, status, type, message, { retryAfterMs: RETRYABLE(status) ? retryAfterMs : undefined });
        return `${status} ${type} (stream-error on a JSON request)`;
      }
      await streamAnswer(paced, answerFor(body, step.afterText, 'end_turn'), { kind: 'error', type, message });
      return `200 stream then event: error ${type}`;
    }
    if (step.kind === 'cut') {
      const answer = answerFor(body, step.afterText, 'end_turn');
      if (streaming) await streamAnswer(paced, answer, { kind: 'cut' });
      else sendCutMessage(ctx, answer);
      return '200 then connection cut';
    }
    if (step.kind === 'tool_use') {
      const blocks: AnswerBlock[] = [
        ...(step.text ? [{ type: 'text' as const, text: step.text }] : []),
        ...step.calls.map((c) => ({ type: 'tool_use' as const, id: c.id ?? toolUseId(), name: c.name, input: c.input })),
      ];
      const answer = { ...answerFor(body, step.text ?? '', 'tool_use'), blocks };
      answer.usage.output = Math.max(1, tokensOf(JSON.stringify(blocks)));
      if (streaming) await streamBlocks(paced, answer, step.jsonChunkSize ?? 7);
      else sendMessage(ctx, answer);
      return `200 tool_use ${step.calls.map((c) => c.name).join(', ')}${streaming ? ' (stream)' : ''}`;
    }
    const text = step.kind === 'json' ? JSON.stringify(step.value) : step.text;
    const answer = answerFor(body, text, step.kind === 'json' ? undefined : step.stopReason);
    if (streaming) await streamAnswer(paced, answer, { kind: 'complete' });
    else sendMessage(ctx, answer);
    return `200 ${step.kind} ${answer.stopReason}${streaming ? ' (stream)' : ''}`;
  }

  function authRefusal(req: IncomingMessage): Refusal | undefined {
    const key = req.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!key && !bearer) return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
    if (options.apiKey !== undefined && key !== options.apiKey && bearer !== options.apiKey) {
      return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: parseBody(raw), at: now() };
    requests.push(record);
    const ctx: ResponseContext = {
      res,
      requestId: requestId(),
      chunkSize,
      chunkDelayMs: options.chunkDelayMs ?? 0,
      signal: closing.signal,
    };
    const refuse = (r: Refusal): string => {
      sendError(ctx, r.status, r.type, r.message);
      return `${r.status} ${r.type}: ${r.message}`;
    };
    const isMessages = path === '/v1/messages' || path === '/v1/messages/count_tokens';
    if (req.method !== 'POST' || !isMessages) {
      if (options.strict) unexpected.push(record);
      return refuse({ status: 404, type: 'not_found_error', message: 'Not Found' });
    }
    const auth = authRefusal(req);
    if (auth) return refuse(auth);
    const problem = validate(record.body, path === '/v1/messages');
    if (problem) return refuse(problem);
    const body = record.body as Body;
    if (path === '/v1/messages/count_tokens') {
      sendJson(ctx, { input_tokens: promptBlocks(body).reduce((n, b) => n + b.tokens, 0) });
      return '200 count_tokens';
    }
    const kind: StepMatch = (body.output_config as { format?: unknown } | undefined)?.format ? 'extract' : 'chat';
    let step = takeStep(kind);
    if (!step) {
      if (options.strict) {
        unexpected.push(record);
        return refuse({ status: 500, type: 'api_error', message: 'fake-api: unscripted request' });
      }
      step = defaultStep(body, kind);
    }
    return `${kind}: ${await play(step, body, ctx)}`;
  }

  const server = createServer((req, res) => {
    handle(req, res).then(
      (outcome) => log(`${req.method} ${req.url} → ${outcome}`),
      (err: unknown) => {
        if (closing.signal.aborted) return;
        const message = `fake-api: ${err instanceof Error ? err.message : String(err)}`;
        log(`${req.method} ${req.url} → failed: ${message}`);
        if (!res.headersSent) {
          const ctx = { res, requestId: requestId(), chunkSize, chunkDelayMs: 0, signal: closing.signal };
          sendError(ctx, 500, 'api_error', message);
        } else res.socket?.destroy();
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    unexpected,
    get pending() {
      return [...queue];
    },
    enqueue(...steps) {
      queue.push(...steps);
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
      unexpected.length = 0;
      cache.clear();
    },
    close() {
      closing.abort();
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
