/**
 * Tool use in the fake Messages API, driven by the real @anthropic-ai/sdk over loopback: streamed
 * `tool_use` blocks shaped like the recorded fixtures, the JSON shape, the real API's pairing
 * rules for tool_use/tool_result, strictness, and the default tool answers for trying by hand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from '../src/fake-api/server.js';

const MODEL = 'claude-sonnet-5-5';

/**
 * anthropics/anthropic-sdk-typescript tests/lib/fixtures/tool_use_response.txt (MIT, commit
 * 384ab517), a streamed text block then a `tool_use` block, copied verbatim: the shape the fake
 * must match.
 */
const RECORDED_TOOL_USE_SSE = `event: message_start
data: {"type":"message_start","message":{"id":"msg_019Q1hrJbZG26Fb9BQhrkHEr","type":"message","role":"assistant","model":"claude-opus-4-8","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":377,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'ll check the current weather in Paris for you."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01NRLabsLyVHZPKxbKvkfSMn","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"locati"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"on\\": \\"P"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ar"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}}

event: message_stop
data: {"type":"message_stop"}

`;

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] },
};

let fake: FakeApi;
let servers: Server[] = [];

beforeEach(async () => {
  servers = [];
  fake = await startFakeApi({ strict: true });
});

afterEach(async () => {
  await fake.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const client = (url: string) => new Anthropic({ apiKey: 'test-key', baseURL: url, maxRetries: 0, logLevel: 'off' });

/** Serves `body` as an SSE response to every request (the recording, replayed). */
async function replay(body: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The shape of an SSE body: per frame its event and the block or delta type, runs of equal deltas collapsed to one. */
function shape(sse: string): string[] {
  const out: string[] = [];
  for (const frame of sse.trim().split(/\n\n/)) {
    const event = /^event: (\w+)/.exec(frame)?.[1] ?? '?';
    const data = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as Record<string, any>;
    const detail = data.content_block?.type ?? data.delta?.type ?? data.delta?.stop_reason ?? '';
    const item = detail ? `${event}:${detail}` : event;
    if (event === 'content_block_delta' && out[out.length - 1] === item) continue;
    out.push(item);
  }
  return out;
}

async function rawStream(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: MODEL, max_tokens: 100, stream: true, ...body }),
  });
  return res.text();
}

describe('streamed tool use', () => {
  const request = { model: MODEL, max_tokens: 200, tools: [WEATHER_TOOL], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
  const step = {
    kind: 'tool_use' as const,
    text: "I'll check the current weather in Paris for you.",
    calls: [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', input: { location: 'Paris' } }],
  };

  it('has the frame shape of the recorded fixture: text block, then tool_use with input {} and input_json_delta pieces', async () => {
    fake.enqueue(step);
    const ours = await rawStream(fake.url, { tools: [WEATHER_TOOL], messages: request.messages });
    expect(shape(ours)).toEqual(shape(RECORDED_TOOL_USE_SSE));
    // The tool block opens with an empty input and an empty first piece, as recorded.
    expect(ours).toContain('"content_block":{"type":"tool_use","id":"toolu_01NRLabsLyVHZPKxbKvkfSMn","name":"get_weather","input":{}}');
    expect(ours).toContain('"delta":{"type":"input_json_delta","partial_json":""}');
    expect(ours.match(/input_json_delta/g)!.length).toBeGreaterThan(2);
  });

  it('parses in the SDK to the same final message as the recording', async () => {
    const recorded = await client(await replay(RECORDED_TOOL_USE_SSE)).messages.stream(request).finalMessage();
    fake.enqueue(step);
    const stream = client(fake.url).messages.stream(request);
    const pieces: string[] = [];
    stream.on('inputJson', (partial) => pieces.push(partial));
    const ours = await stream.finalMessage();
    expect(ours.content).toEqual(recorded.content);
    expect(ours.stop_reason).toBe('tool_use');
    expect(pieces.join('')).toBe('{"location":"Paris"}');
    expect(pieces.length).toBeGreaterThan(2);
  });

  it('streams tool calls without a text block first, and several calls in one answer', async () => {
    fake.enqueue({ kind: 'tool_use', calls: [{ name: 'get_weather', input: { location: 'Lyon' } }, { name: 'get_weather', input: { location: 'Nice' } }] });
    const final = await client(fake.url).messages.stream(request).finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['tool_use', 'tool_use']);
    expect(final.content.map((b) => (b as Anthropic.ToolUseBlock).input)).toEqual([{ location: 'Lyon' }, { location: 'Nice' }]);
    expect((final.content[0] as Anthropic.ToolUseBlock).id).toMatch(/^toolu_01\w{22}$/);
  });
});

describe('tool use as JSON', () => {
  it('returns a Message whose content holds the tool_use block with its parsed input', async () => {
    fake.enqueue({ kind: 'tool_use', text: 'Checking.', calls: [{ name: 'get_weather', input: { location: 'Paris' } }] });
    const message = await client(fake.url).messages.create({ model: MODEL, max_tokens: 100, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'hi' }] });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_01/), name: 'get_weather', input: { location: 'Paris' } },
    ]);
  });
});

describe('a tool round trip', () => {
  it('records the tools and the tool_result blocks the client sent, and fails loudly past the script', async () => {
    const c = client(fake.url);
    fake.enqueue({ kind: 'tool_use', calls: [{ id: 'toolu_01abc', name: 'get_weather', input: { location: 'Paris' } }] }, { kind: 'text', text: 'It is sunny.' });
    const first = await c.messages.create({ model: MODEL, max_tokens: 100, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather?' }] });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01abc', content: 'sunny, 21°C' }] },
    ];
    const second = await c.messages.create({ model: MODEL, max_tokens: 100, tools: [WEATHER_TOOL], messages });
    expect(second.content).toEqual([{ type: 'text', text: 'It is sunny.' }]);
    expect(fake.requests[0].body.tools).toEqual([WEATHER_TOOL]);
    expect(fake.requests[1].body.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_01abc', content: 'sunny, 21°C' }]);
    const third = c.messages.create({ model: MODEL, max_tokens: 100, tools: [WEATHER_TOOL], messages });
    await expect(third).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    expect(fake.unexpected).toHaveLength(1);
  });

  it('refuses, like the real API, a tool_use left without its tool_result and a tool_result answering nothing', async () => {
    const c = client(fake.url);
    const unanswered = c.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01x', name: 'get_weather', input: {} }] },
        { role: 'user', content: 'never mind' },
      ],
    });
    await expect(unanswered).rejects.toThrow(/tool_use` ids were found without `tool_result` blocks immediately after: toolu_01x/);
    const stray = c.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Let me see.' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01y', content: 'x' }] },
      ],
    });
    await expect(stray).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const badTool = c.messages.create({ model: MODEL, max_tokens: 100, tools: [{ name: 'bad name!', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'x' }] });
    await expect(badTool).rejects.toThrow(/tools\.0\.name/);
    expect(fake.pending).toEqual([]);
  });
});

describe('default tool answers (npm run fake-api)', () => {
  const MEMORY_TOOLS = ['memory_search', 'memory_remember', 'memory_update', 'memory_forget'].map((name) => ({ name, input_schema: { type: 'object' as const } }));

  it('calls memory_remember for "remember that …", then reports the result the client sent back', async () => {
    const lenient = await startFakeApi();
    try {
      const c = client(lenient.url);
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'remember that I live in Lyon' }];
      const first = await c.messages.stream({ model: MODEL, max_tokens: 100, tools: MEMORY_TOOLS, messages }).finalMessage();
      const call = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
      expect(call).toMatchObject({ name: 'memory_remember', input: { text: 'I live in Lyon', quote: 'I live in Lyon' } });
      messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'saved f_1: I live in Lyon' }] });
      const second = await c.messages.create({ model: MODEL, max_tokens: 100, tools: MEMORY_TOOLS, messages });
      expect(second.content).toEqual([{ type: 'text', text: 'memory_remember: saved f_1: I live in Lyon' }]);
      // Without tools, the same words get the usual echo-style answer.
      const plain = await c.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'search memory for Lyon' }] });
      expect(plain.stop_reason).toBe('end_turn');
    } finally {
      await lenient.close();
    }
  });
});

describe('the default answers when automatic recall put a block before the typed text', () => {
  it('react to what the user typed: the tool trigger fires and the echo leaves the block out', async () => {
    const { defaultToolStep } = await import('../src/fake-api/tools.js');
    const { defaultChatStep } = await import('../src/fake-api/chat.js');
    const content = [
      { type: 'text', text: '<recalled-memory>\n- [2026-01-02] I live in Lisbon.\n</recalled-memory>' },
      { type: 'text', text: 'correct f_abc: I live in Porto now' },
    ];
    const body = { tools: [{ name: 'memory_update', input_schema: { type: 'object' } }], messages: [{ role: 'user', content }] };
    expect(defaultToolStep(body)).toMatchObject({ kind: 'tool_use', calls: [{ name: 'memory_update', input: { id: 'f_abc', text: 'I live in Porto now' } }] });
    const echo = defaultChatStep({ messages: [{ role: 'user', content: [content[0], { type: 'text', text: 'hello' }] }] });
    expect(JSON.stringify(echo)).toContain('You said: \\"hello\\"');
    expect(JSON.stringify(echo)).not.toContain('recalled-memory');
  });
});
