// Integration: the real @anthropic-ai/sdk, through our model adapter, against the fake API on loopback.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../src/core/errors.js';
import { createModelClient, StreamBrokenError, type ModelEvent } from '../src/core/model.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi({ strict: true, minCacheableTokens: 50 });

const client = (opts: { maxRetries?: number; timeoutMs?: number; baseURL?: string } = {}) =>
  createModelClient({ apiKey: 'test-key', baseURL: opts.baseURL ?? fake().url, maxRetries: opts.maxRetries ?? 2, timeoutMs: opts.timeoutMs });

const chat = (system = 'You are a test.', content = 'hello') => ({
  model: 'claude-sonnet-5-5',
  system,
  messages: [{ role: 'user' as const, content }],
  maxTokens: 256,
});

describe('model adapter over the real SDK', () => {
  it('streams an answer in several deltas and reports usage', async () => {
    fake().enqueue({ kind: 'text', text: 'The quick brown fox jumps over the lazy dog.', chunkSize: 5 });
    const events: ModelEvent[] = [];
    const result = await client().streamChat(chat(), (e) => events.push(e));
    expect(result.text).toBe('The quick brown fox jumps over the lazy dog.');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(fake().unexpected).toHaveLength(0);
  });

  it('marks the system prompt and the conversation for caching; later turns read the cache', async () => {
    const system = 'Stable system prompt. '.repeat(40);
    fake().enqueue({ kind: 'text', text: 'one' }, { kind: 'text', text: 'two' });
    const c = client();
    const first = await c.streamChat(chat(system, 'first'), () => {});
    const second = await c.streamChat(
      { ...chat(system), messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'one' }, { role: 'user', content: 'second' }] },
      () => {},
    );
    expect(fake().requests[0].body.cache_control).toEqual({ type: 'ephemeral' });
    expect(fake().requests[0].body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.cacheReadTokens).toBeGreaterThanOrEqual(first.usage.cacheWriteTokens);
  });

  it('runs a structured-output call and parses it with zod', async () => {
    fake().enqueue({ match: 'extract', kind: 'json', value: { answer: 4 } });
    const { value } = await client().structured({
      model: 'claude-haiku-5-5',
      system: 's',
      user: '2+2?',
      schema: z.object({ answer: z.number() }),
      maxTokens: 100,
    });
    expect(value).toEqual({ answer: 4 });
    expect(fake().requests[0].body.output_config.format.type).toBe('json_schema');
  });

  it('invalid structured output is an ApiError of kind invalid_output', async () => {
    fake().enqueue({ match: 'extract', kind: 'raw', text: 'not json at all' });
    const err = await client()
      .structured({ model: 'claude-haiku-5-5', system: 's', user: 'u', schema: z.object({ a: z.number() }), maxTokens: 100 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe('invalid_output');
  });

  it('retries a 529 and tells the caller it is retrying', async () => {
    fake().enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }, { kind: 'text', text: 'ok now' });
    const events: ModelEvent[] = [];
    const result = await client().streamChat(chat(), (e) => events.push(e));
    expect(result.text).toBe('ok now');
    expect(fake().requests).toHaveLength(2);
    expect(events).toContainEqual({ type: 'retry', attempt: 1, reason: 'API overloaded (529)' });
  });

  it('gives up after maxRetries with one clear line', async () => {
    const overloaded = { kind: 'error' as const, status: 529, type: 'overloaded_error' as const, message: 'Overloaded' };
    fake().enqueue(overloaded, overloaded, overloaded);
    const err = await client({ maxRetries: 2 }).streamChat(chat(), () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe('overloaded');
    expect(err.message).not.toContain('\n');
    expect(fake().requests).toHaveLength(3);
  });

  it('a 401 names ANTHROPIC_API_KEY and never the key itself', async () => {
    fake().enqueue({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    const err = await client().streamChat(chat(), () => {}).catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/ANTHROPIC_API_KEY/);
    expect(err.message).not.toContain('test-key');
    expect(fake().requests).toHaveLength(1);
  });

  it('an unknown model gives the API message and the model asked for', async () => {
    const err = await client()
      .streamChat({ ...chat(), model: 'gpt-nope' }, () => {})
      .catch((e) => e);
    expect(err.kind).toBe('not_found');
    expect(err.message).toContain('gpt-nope');
  });

  it('a 400 keeps the API message and names the model, in one line, without a retry', async () => {
    fake().enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' });
    const err = await client().streamChat(chat(), () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe('bad_request');
    expect(err.status).toBe(400);
    expect(err.message).toContain('messages: text content blocks must be non-empty');
    expect(err.message).toContain('"claude-sonnet-5-5"');
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain('{"type"'); // the API's message, not the raw JSON body
    expect(fake().requests).toHaveLength(1);
  });

  it('a stream cut mid-answer keeps the partial text and says so', async () => {
    fake().enqueue({ kind: 'stream-error', afterText: 'Half an answer', type: 'overloaded_error' });
    const err = await client({ maxRetries: 0 }).streamChat(chat(), () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(StreamBrokenError);
    expect(err.partialText).toBe('Half an answer');
  });

  it('aborting returns the partial answer marked aborted', async () => {
    fake().enqueue({ kind: 'text', text: 'word '.repeat(200), chunkSize: 5, chunkDelayMs: 5 });
    const controller = new AbortController();
    let seen = '';
    const result = await client().streamChat({ ...chat(), signal: controller.signal }, (e) => {
      if (e.type === 'text') seen += e.text;
      if (seen.length > 20) controller.abort();
    });
    expect(result.aborted).toBe(true);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.text.length).toBeLessThan(1000);
  });

  it('connection refused is one line naming the URL', async () => {
    // A port that was just free (not port 9: fetch refuses that one as a "bad port" before connecting).
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const err = await client({ baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 }).streamChat(chat(), () => {}).catch((e) => e);
    expect(err.kind).toBe('connection');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED|refused/i);
  });
});
