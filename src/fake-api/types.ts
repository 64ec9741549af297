/**
 * Public types of the fake Messages API: scripted steps, server options, recorded requests and
 * the handle `startFakeApi` returns. No runtime code lives here.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Error `type` strings the real API puts in `{"type":"error","error":{"type":…}}` bodies. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** Stop reasons the fake can report (a subset of the real API's). */
export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'tool_use';

/**
 * Which requests a step may answer: `'extract'` = the request has `output_config.format`
 * (structured output), `'chat'` = it has not. A step without `match` answers any request.
 */
export type StepMatch = 'chat' | 'extract';

/** Fields every step may carry. */
interface StepBase {
  /** Only requests of this kind consume the step; others skip past it (it stays queued). */
  match?: StepMatch;
  /** Delay before the response's first byte (status line), in ms. Overrides `firstByteDelayMs`. */
  delayMs?: number;
  /**
   * Hold the response (after `delayMs`) until this promise settles: for in-process tests that must
   * order events without guessing a delay, e.g. "answer only after the other process has written".
   */
  until?: Promise<unknown>;
}

/** Fields of steps that stream text. */
interface StreamingStepBase extends StepBase {
  /** Target size of one `text_delta`, in characters (words are kept whole when they fit). */
  chunkSize?: number;
  /** Delay between two `text_delta` events, in ms. Overrides the server's `chunkDelayMs`. */
  chunkDelayMs?: number;
}

/**
 * Answer with `text`, as a JSON `Message` or as an SSE stream, whichever the request asked for.
 * Without `stopReason` the fake applies the real rules: the text is cut at the first of the
 * request's `stop_sequences` (`stop_reason: 'stop_sequence'`) or at `max_tokens` (≈ 4 characters
 * per token, `stop_reason: 'max_tokens'`), else `end_turn`. With `stopReason` the text is sent whole.
 */
export interface TextStep extends StreamingStepBase {
  kind: 'text';
  text: string;
  stopReason?: StopReason;
}

/** The structured-output answer: `JSON.stringify(value)` is sent as the text (same rules as `text`). */
export interface JsonStep extends StreamingStepBase {
  kind: 'json';
  value: unknown;
}

/** Any text sent as-is, e.g. invalid JSON to play a garbage extraction answer. */
export interface RawStep extends StreamingStepBase {
  kind: 'raw';
  text: string;
  stopReason?: StopReason;
}

/**
 * An HTTP error with the real body `{"type":"error","error":{type,message},"request_id"}`.
 * `retryAfter` (seconds) is sent as `retry-after`; 429s get one by default (1 s). Retryable
 * statuses (408, 409, 429, ≥500) also get `retry-after-ms` (`retryAfterMs`, else the server's
 * `retryAfterMs`), which the SDK prefers, so its retries stay fast in tests.
 */
export interface ErrorStep extends StepBase {
  kind: 'error';
  status: number;
  type: ApiErrorType;
  message: string;
  retryAfter?: number;
  retryAfterMs?: number;
}

/**
 * Streaming: HTTP 200, `afterText` as deltas, then `event: error` (default `overloaded_error` /
 * "Overloaded") and the response ends. Non-streaming requests get the matching HTTP error instead
 * (529 for `overloaded_error`), since a JSON answer cannot fail half-way.
 */
export interface StreamErrorStep extends StreamingStepBase {
  kind: 'stream-error';
  afterText: string;
  type?: ApiErrorType;
  message?: string;
}

/**
 * HTTP 200, `afterText` as deltas (non-streaming: the first half of the JSON body), then the
 * socket is destroyed: a dropped connection.
 */
export interface CutStep extends StreamingStepBase {
  kind: 'cut';
  afterText: string;
}

/** Never answers (the request stays open until the client gives up or the fake closes). */
export interface HangStep extends StepBase {
  kind: 'hang';
}

/** One tool call a `tool_use` step makes. */
export interface ScriptedToolCall {
  /** The tool's name (the fake does not check that the request offered it: tests assert on `requests`). */
  name: string;
  /** The tool's input, a JSON object (streamed as `JSON.stringify(input)` in pieces). Need not match the tool's schema: that is how tests play a model's invalid input. */
  input: Record<string, unknown>;
  /** Default: a fresh id shaped like the real ones (`toolu_01` + 22 base-62 characters). */
  id?: string;
}

/**
 * Answer with `tool_use` blocks (after one text block when `text` is given) and
 * `stop_reason: 'tool_use'`, as the recorded fixtures show it: streamed, each tool block opens
 * with `content_block_start` carrying `input: {}`, then an empty `input_json_delta`, then the
 * input's JSON in `partial_json` pieces of about `jsonChunkSize` characters; as JSON, a `Message`
 * whose content holds the blocks with their parsed input.
 */
export interface ToolUseStep extends StreamingStepBase {
  kind: 'tool_use';
  text?: string;
  calls: ScriptedToolCall[];
  /** Target size of one `input_json_delta` piece, in characters; default 7 (the recordings' size). */
  jsonChunkSize?: number;
}

/** One scripted response. Requests consume queued steps in order (see `StepMatch`). */
export type FakeStep = TextStep | JsonStep | RawStep | ErrorStep | StreamErrorStep | CutStep | HangStep | ToolUseStep;

/** Options of `startFakeApi`. All durations in ms; all sizes in tokens unless said otherwise. */
export interface FakeApiOptions {
  /** TCP port on 127.0.0.1; default 0 = any free port. */
  port?: number;
  /** Unscripted requests get 500 `fake-api: unscripted request` and land in `unexpected`. Default false. */
  strict?: boolean;
  /**
   * When set, requests whose key differs get 401 `invalid x-api-key`. The key is read from
   * `x-api-key` or `Authorization: Bearer …` (SDK 1.11 sends `apiKey` as a bearer token).
   * Unset: any key is accepted, but a request with neither header gets 401.
   */
  apiKey?: string;
  /** Delay between text deltas of default answers and steps without their own; default 0. */
  chunkDelayMs?: number;
  /** Delay before each response's first byte; default 0. */
  firstByteDelayMs?: number;
  /** Target `text_delta` size in characters; default 8. */
  chunkSize?: number;
  /** Smallest prefix the prompt cache stores, in tokens; default 1024 (Sonnet/Opus rule). */
  minCacheableTokens?: number;
  /** `retry-after-ms` sent with retryable errors; default 10. 0 omits the header (SDK backoff applies). */
  retryAfterMs?: number;
  /** Clock for cache expiry and `RecordedRequest.at`, epoch ms; default `Date.now`. */
  now?: () => number;
  /** Called with one line per answered request (e.g. `POST /v1/messages 200 text`); default silent. */
  log?: (line: string) => void;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /**
   * The parsed JSON body (the raw text if it was not JSON, undefined if empty). Typed `any` so tests
   * can reach into `body.system`, `body.messages[0].content`, `body.output_config` without casts.
   */
  body: any;
  /** When it arrived, epoch ms (from the `now` option). */
  at: number;
}

/** A running fake. */
export interface FakeApi {
  /** Base URL for the SDK's `baseURL` / `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (cleared in place by `reset`). */
  readonly requests: RecordedRequest[];
  /** Strict mode: requests that found no scripted step (or hit an unknown route). */
  readonly unexpected: RecordedRequest[];
  /** Steps still queued, oldest first (a copy). */
  readonly pending: readonly FakeStep[];
  /** Append steps to the script. */
  enqueue(...steps: FakeStep[]): void;
  /** Clear the script, `requests`, `unexpected` and the prompt cache. */
  reset(): void;
  /** Stop listening and destroy open connections (hanging requests included). */
  close(): Promise<void>;
}
