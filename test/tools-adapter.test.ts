// The model adapter with tools: the real SDK through createModelClient against the strict fake.
import { describe, expect, it } from 'vitest';
import { createModelClient, type ModelEvent } from '../src/core/model.js';
import { memoryToolsFor } from '../src/core/tools/memory-tools.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi({ strict: true });
const client = () => createModelClient({ apiKey: 'test-key', baseURL: fake().url, maxRetries: 0 });

describe('model adapter with tools', () => {
  it('offers the tools, streams tool_use input in input_json_delta pieces, and returns the parsed blocks', async () => {
    fake().enqueue({
      kind: 'tool_use',
      text: 'Searching.',
      calls: [{ id: 'toolu_01search', name: 'memory_search', input: { query: 'pricing page', limit: 3 } }],
      jsonChunkSize: 3,
    });
    const events: ModelEvent[] = [];
    const result = await client().streamChat(
      { model: 'claude-sonnet-5-5', system: 'S', messages: [{ role: 'user', content: 'pricing?' }], maxTokens: 100, tools: memoryToolsFor({ incognito: false }) },
      (e) => events.push(e),
    );
    expect(result.stopReason).toBe('tool_use');
    expect(result.text).toBe('Searching.');
    expect(result.content).toEqual([
      { type: 'text', text: 'Searching.' },
      { type: 'tool_use', id: 'toolu_01search', name: 'memory_search', input: { query: 'pricing page', limit: 3 } },
    ]);
    // The call event comes once, after the text, with the whole parsed input.
    expect(events.map((e) => e.type).filter((t) => t !== 'text')).toEqual(['tool_call']);
    expect(events.at(-1)).toEqual({ type: 'tool_call', id: 'toolu_01search', name: 'memory_search', input: { query: 'pricing page', limit: 3 } });
    const body = fake().requests[0].body;
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['memory_search', 'memory_remember', 'memory_update', 'memory_forget']);
    // JSON Schema generated from the zod input: required fields, no $schema, no extra keys allowed.
    expect(body.tools[1].input_schema).toMatchObject({ type: 'object', required: ['text', 'quote'], additionalProperties: false });
    expect(body.tools[1].input_schema.$schema).toBeUndefined();
  });

  it('sends messages with content blocks through unchanged', async () => {
    fake().enqueue({ kind: 'text', text: 'ok' });
    const messages = [
      { role: 'user' as const, content: 'hi' },
      { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_01a', name: 'memory_search', input: { query: 'x' } }] },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_01a', content: 'no memories match "x"', is_error: true }] },
    ];
    const result = await client().streamChat({ model: 'claude-sonnet-5-5', system: 'S', messages, maxTokens: 100 }, () => {});
    expect(result).toMatchObject({ text: 'ok', stopReason: 'end_turn', content: [{ type: 'text', text: 'ok' }] });
    expect(fake().requests[0].body.messages).toEqual(messages);
    expect(fake().requests[0].body.tools).toBeUndefined();
  });
});
