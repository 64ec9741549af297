// The model adapter reads the raw SSE event stream itself (not the SDK's MessageStream helper, which
// costs three events and a copy of the text block per delta). What the REPL draws, journals and
// sends back must not change: for the same SSE frames, the adapter's events, text, content blocks,
// stop reason and usage must be what MessageStream (the SDK's `messages.stream()`) makes of them.
// The frames come from a local HTTP server, as in the SDK's own tests; nothing is mocked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, translateError, type ModelEvent } from '../src/core/model.js';

/** Each request is answered with the next queued list of SSE frames, then the response ends. */
const queue: string[][] = [];
let server: http.Server;
let baseURL: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const frames = queue.shift() ?? [];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of frames) res.write(frame);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const frame = (data: { type: string } & Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
const start = (usage: Record<string, number> = { input_tokens: 12, output_tokens: 1 }) =>
  frame({ type: 'message_start', message: { id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage } });
const textStart = (index: number) => frame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const toolStart = (index: number, id: string, name: string, input: unknown = {}) => frame({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input } });
const thinkingStart = (index: number) => frame({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
const text = (index: number, t: string) => frame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } });
const json = (index: number, partial: string) => frame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
const thinking = (index: number, t: string) => frame({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: t } });
const stop = (index: number) => frame({ type: 'content_block_stop', index });
const delta = (stopReason: string, usage: Record<string, number> = { output_tokens: 40 }) => frame({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage });
const end = frame({ type: 'message_stop' });
const ping = 'event: ping\ndata: {"type": "ping"}\n\n';

type Outcome = { events: ModelEvent[]; text: string; content?: unknown; stopReason?: unknown; usage?: unknown; error?: string };

/** The adapter under test. */
async function adapter(frames: string[]): Promise<Outcome> {
  queue.push(frames);
  const events: ModelEvent[] = [];
  const client = createModelClient({ apiKey: 'test-key', baseURL, maxRetries: 0 });
  try {
    const r = await client.streamChat({ model: 'claude-sonnet-5-5', system: 'S', messages: [{ role: 'user', content: 'hi' }], maxTokens: 100 }, (e) => events.push(e));
    return { events, text: r.text, content: r.content, stopReason: r.stopReason, usage: r.usage };
  } catch (error) {
    return { events, text: (error as { partialText?: string }).partialText ?? '', error: (error as Error).message };
  }
}

/** The reference: the SDK's MessageStream over the same frames, read as the adapter used to read it. */
async function messageStream(frames: string[]): Promise<Outcome> {
  queue.push(frames);
  const events: ModelEvent[] = [];
  const client = new Anthropic({ apiKey: 'test-key', baseURL, maxRetries: 0, logLevel: 'off' });
  const stream = client.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  let shown = '';
  stream.on('text', (d) => {
    shown += d;
    events.push({ type: 'text', text: d });
  });
  stream.on('contentBlock', (b) => {
    if (b.type === 'tool_use') events.push({ type: 'tool_call', id: b.id, name: b.name, input: b.input });
  });
  try {
    const m = await stream.finalMessage();
    const content = m.content.flatMap((b): unknown[] =>
      b.type === 'text' && b.text !== '' ? [{ type: 'text', text: b.text }] : b.type === 'tool_use' ? [{ type: 'tool_use', id: b.id, name: b.name, input: b.input }] : [],
    );
    const u = m.usage;
    const usage = { inputTokens: u.input_tokens ?? 0, outputTokens: u.output_tokens ?? 0, cacheReadTokens: u.cache_read_input_tokens ?? 0, cacheWriteTokens: u.cache_creation_input_tokens ?? 0 };
    return { events, text: shown, content, stopReason: m.stop_reason ?? null, usage };
  } catch (error) {
    // What the adapter made of MessageStream's error: the same translation, the same wording.
    const translated = translateError(error, 'claude-sonnet-5-5', baseURL);
    const broken = shown.length > 0 || translated.kind === 'stream';
    return { events, text: broken ? shown : '', error: broken ? `the answer broke off: ${translated.message}` : translated.message };
  }
}

/** Both readings of `frames`, errors included. */
async function expectSameReading(frames: string[]) {
  const ours = await adapter(frames);
  const theirs = await messageStream(frames);
  expect(ours).toEqual(theirs);
  return ours;
}

describe('the adapter reads a streamed answer as the SDK MessageStream does', () => {
  it('text in deltas: each delta shown as it comes, the usage message_delta updates (cache counts kept from message_start)', async () => {
    const r = await expectSameReading([
      start({ input_tokens: 30, output_tokens: 1, cache_read_input_tokens: 400, cache_creation_input_tokens: 20 }),
      textStart(0),
      ping,
      text(0, 'Hello, '),
      text(0, 'Alice.'),
      stop(0),
      delta('end_turn', { output_tokens: 9 }),
      end,
    ]);
    expect(r.events).toEqual([{ type: 'text', text: 'Hello, ' }, { type: 'text', text: 'Alice.' }]);
    expect(r.usage).toEqual({ inputTokens: 30, outputTokens: 9, cacheReadTokens: 400, cacheWriteTokens: 20 });
  });

  it('tool calls: one event per tool_use block as it stops, its input parsed from the pieces; a block without pieces keeps its start input', async () => {
    const r = await expectSameReading([
      start(),
      textStart(0),
      text(0, 'Let me look.'),
      stop(0),
      toolStart(1, 'toolu_01a', 'memory_search'),
      json(1, ''),
      json(1, '{"query": "pri'),
      json(1, 'cing", "limit": 3}'),
      stop(1),
      toolStart(2, 'toolu_01b', 'memory_forget', { id: 'f_1' }),
      stop(2),
      toolStart(3, 'toolu_01c', 'memory_search'),
      json(3, ''),
      stop(3),
      delta('tool_use', { output_tokens: 50, input_tokens: 31 }),
      end,
    ]);
    expect(r.events.filter((e) => e.type === 'tool_call')).toEqual([
      { type: 'tool_call', id: 'toolu_01a', name: 'memory_search', input: { query: 'pricing', limit: 3 } },
      { type: 'tool_call', id: 'toolu_01b', name: 'memory_forget', input: { id: 'f_1' } },
      { type: 'tool_call', id: 'toolu_01c', name: 'memory_search', input: {} },
    ]);
    expect(r.stopReason).toBe('tool_use');
    // One parsed input per block, shared by the event and the final block (as MessageStream's lazy input).
    const blocks = r.content as Array<{ type: string; id?: string; input?: unknown }>;
    for (const e of r.events) if (e.type === 'tool_call') expect(blocks.find((b) => b.id === e.id)?.input).toBe(e.input);
  });

  it('a tool input cut off by max_tokens is parsed as far as it goes', async () => {
    await expectSameReading([start(), toolStart(0, 'toolu_01a', 'memory_remember'), json(0, '{"text": "I like gre'), stop(0), delta('max_tokens'), end]);
  });

  it('thinking is not shown or kept; events before message_start are ignored', async () => {
    const r = await expectSameReading([ping, text(0, 'stray'), start(), thinkingStart(0), thinking(0, 'hmm'), stop(0), textStart(1), text(1, 'Answer.'), stop(1), delta('end_turn'), end]);
    expect(r.text).toBe('Answer.');
    expect(r.content).toEqual([{ type: 'text', text: 'Answer.' }]);
  });

  it('a stream that ends without message_stop, or without any event, is a broken answer with the partial text', async () => {
    const cut = await expectSameReading([start(), textStart(0), text(0, 'Half an'), stop(0)]);
    expect(cut).toMatchObject({ text: 'Half an', error: expect.stringContaining('the answer broke off') });
    await expectSameReading([]);
  });

  it('an error event mid-stream breaks the answer, keeping what was shown', async () => {
    const r = await expectSameReading([
      start(),
      textStart(0),
      text(0, 'Half'),
      'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
    ]);
    expect(r).toMatchObject({ text: 'Half', error: expect.stringContaining('Overloaded') });
  });

  it('a text delta for an earlier block, after a later one started, is kept in its block but not shown (as MessageStream)', async () => {
    const r = await expectSameReading([start(), textStart(0), text(0, 'Seen.'), toolStart(1, 'toolu_01a', 'memory_search'), text(0, ' Unseen.'), stop(1), delta('tool_use'), end]);
    expect(r.text).toBe('Seen.');
  });

  it('a second message_start before message_stop is refused, as the SDK refuses it', async () => {
    await expectSameReading([start(), textStart(0), text(0, 'one'), start()]);
  });

  // Random answers: text, tool_use and thinking blocks in any order, text and JSON cut into
  // random pieces, any stop reason, usage fields present or not, message_stop sent or not.
  it('reads random answers the same way', async () => {
    const piece = fc.string({ maxLength: 12 });
    const block = fc.oneof(
      fc.record({ kind: fc.constant('text' as const), pieces: fc.array(piece, { maxLength: 5 }) }),
      fc.record({
        kind: fc.constant('tool' as const),
        input: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 3 }),
        cuts: fc.array(fc.nat(40), { maxLength: 4 }),
        truncate: fc.option(fc.nat(30)),
      }),
      fc.record({ kind: fc.constant('thinking' as const), pieces: fc.array(piece, { maxLength: 3 }) }),
    );
    const answer = fc.record({
      blocks: fc.array(block, { maxLength: 4 }),
      stopReason: fc.constantFrom('end_turn', 'tool_use', 'max_tokens', 'stop_sequence'),
      finalUsage: fc.record({ output_tokens: fc.nat(500) }, { requiredKeys: ['output_tokens'] }).chain((u) =>
        fc.record({ input_tokens: fc.nat(100), cache_read_input_tokens: fc.nat(100) }, { requiredKeys: [] }).map((extra) => ({ ...u, ...extra })),
      ),
      stopped: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        const frames = [start()];
        a.blocks.forEach((b, i) => {
          if (b.kind === 'text') {
            frames.push(textStart(i), ...b.pieces.map((p) => text(i, p)));
          } else if (b.kind === 'thinking') {
            frames.push(thinkingStart(i), ...b.pieces.map((p) => thinking(i, p)));
          } else {
            let whole = JSON.stringify(b.input);
            if (b.truncate !== null) whole = whole.slice(0, b.truncate);
            const at = [...new Set(b.cuts.map((c) => Math.min(c, whole.length)))].sort((x, y) => x - y);
            const parts = [0, ...at, whole.length].slice(1).map((to, k, all) => whole.slice(k === 0 ? 0 : all[k - 1], to));
            frames.push(toolStart(i, `toolu_0${i}`, 'memory_search'), json(i, ''), ...parts.map((p) => json(i, p)));
          }
          frames.push(stop(i));
        });
        frames.push(delta(a.stopReason, a.finalUsage));
        if (a.stopped) frames.push(end);
        await expectSameReading(frames);
      }),
      { numRuns: 60 },
    );
  });
});
