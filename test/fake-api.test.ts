/**
 * The fake Messages API, driven by the real @anthropic-ai/sdk over loopback (no mocks): streaming,
 * JSON, structured outputs, prompt caching, errors and retries, faults, scripting and defaults.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractionSchema } from '../src/core/schema.js';
import { type FakeApi, type FakeApiOptions, startFakeApi } from '../src/fake-api/server.js';

const MODEL = 'claude-sonnet-5-5';
const HAIKU = 'claude-haiku-5-5';

let fake: FakeApi;
let closers: FakeApi[] = [];

async function start(options: FakeApiOptions = {}): Promise<FakeApi> {
  const f = await startFakeApi(options);
  closers.push(f);
  return f;
}

function client(f: FakeApi, opts: { maxRetries?: number; apiKey?: string; timeout?: number } = {}): Anthropic {
  return new Anthropic({
    apiKey: opts.apiKey ?? 'test-key',
    baseURL: f.url,
    maxRetries: opts.maxRetries ?? 0,
    timeout: opts.timeout,
    logLevel: 'off',
  });
}

/** The rejection of `p` (fails the test if `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A conversation turn of `n` characters. */
const filler = (n: number, word = 'lorem '): string => word.repeat(Math.ceil(n / word.length)).slice(0, n);

beforeEach(async () => {
  closers = [];
  fake = await start();
});

afterEach(async () => {
  await Promise.all(closers.map((f) => f.close()));
});

describe('streaming', () => {
  it('streams a scripted text in several deltas with the recorded SSE shape', async () => {
    const text = 'Hello there! This answer arrives in many small pieces, as a real stream does.';
    fake.enqueue({ kind: 'text', text, chunkSize: 6 });
    const stream = client(fake).messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] });
    const deltas: string[] = [];
    stream.on('text', (d) => deltas.push(d));
    const { response, request_id } = await stream.withResponse();
    const final = await stream.finalMessage();

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(request_id).toMatch(/^req_011C\w{20}$/);
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(text);
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text })]);
    expect(final.id).toMatch(/^msg_01\w{22}$/);
    expect(final.model).toBe(MODEL);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.input_tokens).toBe(1); // "hi" = ceil(2/4)
    expect(final.usage.output_tokens).toBe(Math.ceil(text.length / 4));
    expect(final.usage.cache_creation_input_tokens).toBe(0);
    expect(final.usage.cache_read_input_tokens).toBe(0);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', body: { stream: true, model: MODEL } });
    // SDK 1.11 sends the API key as a bearer token, not as x-api-key.
    expect(fake.requests[0].headers.authorization).toBe('Bearer test-key');
  });

  it('sends every frame with its event: line, ping included', async () => {
    fake.enqueue({ kind: 'text', text: 'one two three' });
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const frames = (await res.text()).trim().split('\n\n');
    const events = frames.map((f) => /^event: (\w+)\ndata: /.exec(f)?.[1]);
    expect(events[0]).toBe('message_start');
    expect(events.slice(1, 3)).toEqual(['content_block_start', 'ping']);
    expect(events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(events.filter((e) => e === 'content_block_delta').length).toBeGreaterThan(1);
    const delta = JSON.parse(frames[frames.length - 2].split('data: ')[1]);
    expect(delta.usage).toEqual({ input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 4 });
  });

  it('paces deltas by chunkDelayMs', async () => {
    fake.enqueue({ kind: 'text', text: 'a b c d e f', chunkSize: 2, chunkDelayMs: 15 });
    const t0 = Date.now();
    await client(fake).messages.stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
  });
});

describe('non-streaming', () => {
  it('returns a whole Message', async () => {
    fake.enqueue({ kind: 'text', text: 'Plain answer.' });
    const { data: msg, response } = await client(fake)
      .messages.create({ model: HAIKU, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Say something' }] })
      .withResponse();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: HAIKU,
      content: [{ type: 'text', text: 'Plain answer.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3 + 4, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(fake.requests[0].body.system).toBe('Be brief.');
  });

  it('applies stop_sequences and max_tokens like the real API', async () => {
    const c = client(fake);
    fake.enqueue({ kind: 'text', text: 'alpha beta STOP gamma' }, { kind: 'text', text: 'x'.repeat(100) });
    const stopped = await c.messages.create({ model: MODEL, max_tokens: 100, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'go' }] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP', content: [{ text: 'alpha beta ' }] });
    const capped = await c.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'go' }] });
    expect(capped).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'x'.repeat(20) }], usage: { output_tokens: 5 } });
  });

  it('counts tokens', async () => {
    const count = await client(fake).messages.countTokens({
      model: MODEL,
      system: filler(40),
      messages: [{ role: 'user', content: filler(41) }],
    });
    expect(count).toEqual({ input_tokens: 10 + 11 });
  });
});

describe('structured outputs', () => {
  const Answer = z.object({ answer: z.number(), unit: z.string() });

  it('parses a scripted JSON value with messages.parse', async () => {
    fake.enqueue({ kind: 'json', value: { answer: 4, unit: 'apples' } });
    const msg = await client(fake).messages.parse({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'How many?' }],
      output_config: { format: zodOutputFormat(Answer) },
    });
    expect(msg.parsed_output).toEqual({ answer: 4, unit: 'apples' });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: '{"answer":4,"unit":"apples"}' });
    expect(fake.requests[0].body.output_config.format).toMatchObject({ type: 'json_schema', schema: { type: 'object' } });
  });

  it('generates a minimal valid instance when unscripted', async () => {
    const Shape = z.object({
      name: z.string().min(3),
      count: z.number().int().min(2),
      mood: z.enum(['calm', 'busy']),
      tags: z.array(z.string()),
      when: z.string().datetime(),
      nested: z.object({ ok: z.boolean(), note: z.string().nullable() }),
      optional: z.string().optional(),
    });
    const msg = await client(fake).messages.parse({
      model: MODEL,
      max_tokens: 500,
      messages: [{ role: 'user', content: 'Describe.' }],
      output_config: { format: zodOutputFormat(Shape) },
    });
    expect(msg.parsed_output).toEqual({
      name: 'xxx',
      count: 2,
      mood: 'calm',
      tags: [],
      when: '1970-01-01T00:00:00Z',
      nested: { ok: false, note: '' },
    });
  });

  it('streams structured output too', async () => {
    fake.enqueue({ kind: 'json', value: { answer: 12.34, unit: 'EUR' }, chunkSize: 4 });
    const stream = client(fake).messages.stream({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Amount?' }],
      output_config: { format: zodOutputFormat(Answer) },
    });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    expect(deltas).toBeGreaterThan(3);
    expect(final.parsed_output).toEqual({ answer: 12.34, unit: 'EUR' });
  });

  it('sends raw text as-is, so a garbage answer fails parsing in the SDK', async () => {
    fake.enqueue({ kind: 'raw', text: '{"answer": 4, "unit":' });
    const error = await rejection(
      client(fake).messages.parse({
        model: MODEL,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'How many?' }],
        output_config: { format: zodOutputFormat(Answer) },
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect(String(error)).toMatch(/Failed to parse structured output as JSON/);
  });
});

describe('prompt caching', () => {
  const system = filler(6000); // 1500 tokens: above the 1024 minimum on its own

  it('writes on turn 1 and reads on turn 2 with top-level cache_control', async () => {
    const c = client(fake);
    const turn1 = [{ role: 'user' as const, content: filler(400, 'first ') }];
    fake.enqueue({ kind: 'text', text: filler(200, 'answer ') }, { kind: 'text', text: 'ok' });
    const r1 = await c.messages.create({ model: MODEL, max_tokens: 500, system, messages: turn1, cache_control: { type: 'ephemeral' } });
    expect(r1.usage).toMatchObject({ cache_creation_input_tokens: 1500 + 100, cache_read_input_tokens: 0, input_tokens: 0 });
    expect(r1.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 1600, ephemeral_1h_input_tokens: 0 });

    const turn2 = [...turn1, { role: 'assistant' as const, content: r1.content }, { role: 'user' as const, content: 'and then?' }];
    const stream = c.messages.stream({ model: MODEL, max_tokens: 500, system, messages: turn2, cache_control: { type: 'ephemeral' } });
    const r2 = await stream.finalMessage();
    expect(r2.usage.cache_read_input_tokens).toBe(1600);
    expect(r2.usage.cache_creation_input_tokens).toBe(50 + 3);
    expect(r2.usage.input_tokens).toBe(0);
    expect(fake.requests[1].body.cache_control).toEqual({ type: 'ephemeral' });
  });

  it('reads a cached system block marked with cache_control', async () => {
    const c = client(fake);
    const sys = [{ type: 'text' as const, text: system, cache_control: { type: 'ephemeral' as const } }];
    fake.enqueue({ kind: 'text', text: 'a' }, { kind: 'text', text: 'b' });
    const r1 = await c.messages.create({ model: MODEL, max_tokens: 50, system: sys, messages: [{ role: 'user', content: filler(40) }] });
    expect(r1.usage).toMatchObject({ cache_creation_input_tokens: 1500, cache_read_input_tokens: 0, input_tokens: 10 });
    const r2 = await c.messages.create({ model: MODEL, max_tokens: 50, system: sys, messages: [{ role: 'user', content: filler(80) }] });
    expect(r2.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 1500, input_tokens: 20 });
  });

  it('does not cache a prefix under minCacheableTokens, nor across models', async () => {
    const c = client(fake);
    const small = { model: MODEL, max_tokens: 50, system: filler(400), messages: [{ role: 'user' as const, content: 'hi' }], cache_control: { type: 'ephemeral' as const } };
    const r = await c.messages.create(small);
    expect(r.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0, input_tokens: 101 });
    const big = { ...small, system };
    await c.messages.create(big);
    const other = await c.messages.create({ ...big, model: HAIKU });
    expect(other.usage).toMatchObject({ cache_creation_input_tokens: 1501, cache_read_input_tokens: 0 });
  });

  it('expires entries after 5 minutes and forgets them on reset', async () => {
    let clock = 1_000_000;
    const f = await start({ now: () => clock });
    const c = client(f);
    const req = { model: MODEL, max_tokens: 50, system, messages: [{ role: 'user' as const, content: 'hi' }], cache_control: { type: 'ephemeral' as const } };
    await c.messages.create(req);
    clock += 4 * 60_000;
    expect((await c.messages.create(req)).usage.cache_read_input_tokens).toBe(1501); // the hit refreshes the entry
    clock += 4 * 60_000;
    expect((await c.messages.create(req)).usage.cache_read_input_tokens).toBe(1501);
    clock += 6 * 60_000;
    expect((await c.messages.create(req)).usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 1501 });
    f.reset();
    expect((await c.messages.create(req)).usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 1501 });
  });

  it('refuses more than 4 cache_control breakpoints', async () => {
    const block = (t: string) => ({ type: 'text' as const, text: t, cache_control: { type: 'ephemeral' as const } });
    const error = await rejection(
      client(fake).messages.create({
        model: MODEL,
        max_tokens: 50,
        system: [block('a'), block('b'), block('c'), block('d')],
        messages: [{ role: 'user', content: 'hi' }],
        cache_control: { type: 'ephemeral' },
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as APIError).apiMessage).toBe('A maximum of 4 blocks with cache_control may be provided. Found 5.');
  });
});

describe('errors and retries', () => {
  const ask = (c: Anthropic, content = 'hi') => c.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content }] });

  it('a 529 is retried by the SDK and then succeeds', async () => {
    fake.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }, { kind: 'text', text: 'made it' });
    const msg = await ask(client(fake, { maxRetries: 2 }));
    expect(msg.content[0]).toMatchObject({ text: 'made it' });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].headers['x-stainless-retry-count']).toBe('1');
  });

  it('a 529 without retries surfaces as OverloadedError with the real body', async () => {
    fake.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const error = (await rejection(ask(client(fake)))) as APIError;
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
    expect(error.requestID).toMatch(/^req_/);
    expect(error.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: error.requestID });
  });

  it('a 429 carries retry-after and is retried quickly thanks to retry-after-ms', async () => {
    const limit = { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Rate limited', retryAfter: 30 } as const;
    fake.enqueue(limit);
    const error = (await rejection(ask(client(fake)))) as APIError;
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('30');
    expect(error.headers?.get('retry-after-ms')).toBe('10');

    fake.enqueue(limit, { kind: 'text', text: 'fine now' });
    const t0 = Date.now();
    const msg = await ask(client(fake, { maxRetries: 1 }));
    expect(msg.content[0]).toMatchObject({ text: 'fine now' });
    // retry-after alone would make the SDK wait 30 s; retry-after-ms (10 ms) is what it obeys.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a wrong API key gets 401 AuthenticationError', async () => {
    const f = await start({ apiKey: 'right-key' });
    const error = (await rejection(ask(client(f, { apiKey: 'wrong-key', maxRetries: 2 })))) as APIError;
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.apiMessage).toBe('invalid x-api-key');
    expect(f.requests).toHaveLength(1); // 401 is not retried
    fake.enqueue({ kind: 'text', text: 'ok' });
    await expect(ask(client(f, { apiKey: 'right-key' }))).resolves.toMatchObject({ type: 'message' });
  });

  it('an unknown model gets 404 not_found_error', async () => {
    const error = (await rejection(
      client(fake).messages.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    )) as APIError;
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.apiMessage).toBe('model: gpt-4o');
  });

  it('refuses empty text blocks and missing fields with 400', async () => {
    const error = (await rejection(
      client(fake).messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'text', text: '' }] },
          { role: 'user', content: 'again' },
        ],
      }),
    )) as APIError;
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.apiMessage).toBe('messages.1.content.0.text: text content blocks must be non-empty');
  });

  it('a mid-stream event: error rejects the stream after some text', async () => {
    fake.enqueue({ kind: 'stream-error', afterText: 'Partial answer before the', chunkSize: 5 });
    const stream = client(fake).messages.stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (d) => (text += d));
    const error = (await rejection(stream.finalMessage())) as APIError;
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBeUndefined();
    expect(error.type).toBe('overloaded_error');
    expect(error.apiMessage).toBe('Overloaded');
    expect(text).toBe('Partial answer before the');
  });

  it('a cut connection rejects the stream after some text', async () => {
    fake.enqueue({ kind: 'cut', afterText: 'Cut off in the mid', chunkSize: 4 });
    const stream = client(fake).messages.stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (d) => (text += d));
    const error = await rejection(stream.finalMessage());
    expect(error).toBeInstanceOf(Error);
    expect(text).toBe('Cut off in the mid');
  });

  it('a cut non-streaming answer fails to parse', async () => {
    fake.enqueue({ kind: 'cut', afterText: 'whatever' });
    await expect(ask(client(fake))).rejects.toThrow();
  });

  it('a hanging request times out in the SDK, and close() does not wait for it', async () => {
    fake.enqueue({ kind: 'hang' });
    const error = await rejection(ask(client(fake, { timeout: 200 })));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);

    const f = await start();
    f.enqueue({ kind: 'hang' });
    const pending = ask(client(f)).catch((e: unknown) => e);
    while (f.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await f.close();
    expect(await pending).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('delays the first byte by delayMs', async () => {
    fake.enqueue({ kind: 'text', text: 'late', delayMs: 80 });
    const t0 = Date.now();
    await ask(client(fake));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
  });
});

describe('scripting', () => {
  it('strict mode answers unscripted requests with 500 and records them', async () => {
    const f = await start({ strict: true });
    const c = client(f);
    f.enqueue({ kind: 'text', text: 'scripted' });
    await c.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'one' }] });
    expect(f.unexpected).toEqual([]);
    const error = (await rejection(c.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'two' }] }))) as APIError;
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.apiMessage).toBe('fake-api: unscripted request');
    expect(f.unexpected).toHaveLength(1);
    expect(f.unexpected[0].body.messages[0].content).toBe('two');
  });

  it('match routes steps to chat and extraction requests independently', async () => {
    const c = client(fake);
    fake.enqueue({ match: 'extract', kind: 'json', value: { answer: 1 } }, { match: 'chat', kind: 'text', text: 'chat reply' });
    const chat = await c.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.content[0]).toMatchObject({ text: 'chat reply' });
    expect(fake.pending).toHaveLength(1);
    const parsed = await c.messages.parse({
      model: MODEL,
      max_tokens: 20,
      messages: [{ role: 'user', content: 'extract' }],
      output_config: { format: zodOutputFormat(z.object({ answer: z.number() })) },
    });
    expect(parsed.parsed_output).toEqual({ answer: 1 });
    expect(fake.pending).toEqual([]);
  });

  it('reset clears the script and the records', async () => {
    fake.enqueue({ kind: 'text', text: 'never used' });
    await client(fake).messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    fake.reset();
    expect(fake.pending).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});

describe('default chat responder', () => {
  const say = async (content: string, system?: string, prior: Anthropic.MessageParam[] = []) => {
    const msg = await client(fake).messages.create({ model: MODEL, max_tokens: 8000, system, messages: [...prior, { role: 'user', content }] });
    return (msg.content[0] as Anthropic.TextBlock).text;
  };

  it('echoes with a turn count', async () => {
    const prior: Anthropic.MessageParam[] = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
    ];
    expect(await say('hello there', undefined, prior)).toBe('You said: "hello there". (fake API, 2 turns so far)');
  });

  it('answers markdown and long N', async () => {
    const md = await say('show me some markdown');
    expect(md).toMatch(/^# /m);
    expect(md).toMatch(/\*\*[^*]+\*\*/);
    expect(md).toMatch(/^- /m);
    expect(md).toMatch(/^```\w*\n[\s\S]+\n```$/m);
    expect(md).toMatch(/\[[^\]]+\]\(https?:\/\/[^)]+\)/);
    const long = await say('write long 150 please');
    expect(long.split(/\s+/).filter(Boolean)).toHaveLength(150);
    expect(long.split('\n\n').length).toBeGreaterThan(1);
  });

  it('recites the memory block', async () => {
    const system = [
      'You are helpful. The <memory> block below holds what you know.',
      '- not a memory line',
      '<memory>',
      'Summary: likes tea',
      '- [fact] Name is Sam',
      '',
      '- [preference] Lives in Lyon',
      '</memory>',
      'Be kind.',
    ].join('\n');
    expect(await say('What do you know about me?', system)).toBe(
      'Here is what I remember about you:\n- [fact] Name is Sam\n- [preference] Lives in Lyon',
    );
    expect(await say('remember?', 'Memory: <memory>- inline fact</memory>')).toBe('Here is what I remember about you:\n- inline fact');
    expect(await say('do you remember me?')).toBe("I don't know anything about you yet.");
  });

  it('plays faults on demand', async () => {
    const error = (await rejection(say('break [[fault:529]] please'))) as APIError;
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    const stream = client(fake).messages.stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: '[[fault:stream-error]]' }] });
    expect(((await rejection(stream.finalMessage())) as APIError).type).toBe('overloaded_error');
  });
});

describe('default extraction responder', () => {
  it('extracts facts, supersedes, decisions and a summary from memagent-shaped requests', async () => {
    const user = [
      'Session date: 2026-11-20',
      '',
      '<facts>',
      '1. [fact] I live in Paris.',
      '2. [preference] I like tea.',
      '</facts>',
      '',
      '<transcript>',
      '[user] Hi! My name is Sam. I live in Berlin now.',
      '[assistant] Nice to meet you, Sam.',
      '[user] I love hiking in the Alps.',
      '  We decided to use Postgres for the project.',
      '[assistant] Great choice.',
      '</transcript>',
    ].join('\n');
    const msg = await client(fake).messages.parse({
      model: HAIKU,
      max_tokens: 4000,
      system: 'Extract.',
      messages: [{ role: 'user', content: user }],
      output_config: { format: zodOutputFormat(extractionSchema) },
    });
    expect(msg.parsed_output).toEqual({
      summary: 'The user said: Hi!',
      add: [
        { text: 'My name is Sam.', kind: 'fact', confidence: 'high', quote: 'My name is Sam.' },
        { text: 'I love hiking in the Alps.', kind: 'preference', confidence: 'high', quote: 'I love hiking in the Alps.' },
      ],
      update: [],
      supersede: [{ fact: 1, text: 'I live in Berlin now.', kind: 'fact', confidence: 'high', quote: 'I live in Berlin now.' }],
      retract: [],
      decisions: [
        { topic: 'to use Postgres', decision: 'We decided to use Postgres for the project.', quote: 'We decided to use Postgres for the project.' },
      ],
    });
  });
});

describe('npm run fake-api (dist/fake-api.js, built by the global setup)', () => {
  it('prints ANTHROPIC_BASE_URL first, serves the SDK, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['dist/fake-api.js', '--port', '0', '--latency-ms', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [first] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const url = /^ANTHROPIC_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(first)?.[1];
      expect(url).toBeDefined();
      const c = new Anthropic({ apiKey: 'fake-key', baseURL: url, maxRetries: 0, logLevel: 'off' });
      const final = await c.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'ping' }] }).finalMessage();
      expect(final.content[0]).toMatchObject({ text: 'You said: "ping". (fake API, 1 turns so far)' });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
