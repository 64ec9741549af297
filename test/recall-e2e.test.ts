// Automatic recall end to end: the built CLI in pipe mode against the fake Messages API, over the
// file store's real archive (facts written through the store, sessions kept by earlier runs).
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECALL_CLOSE, RECALL_OPEN } from '../src/core/recall/recall.js';
import type { Fact } from '../src/core/schema.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { chatRequests, systemText, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';

const fake = useFakeApi();

// A small core budget: the recent preferences fit in the system prompt, the old uncertain fact
// about shellfish does not, so only search can bring it back.
const CORE_BUDGET = '90';
const ALLERGY = makeFact('f_allergy', 'Allergic to shellfish and most seafood since childhood', '2025-05-04T12:00:00.000Z', {}, { confidence: 'medium', session: 's_old' });
const PREFERENCES: Fact[] = [
  makeFact('f_tea', 'Prefers green tea', '2026-11-01T09:00:00.000Z', { kind: 'preference' }),
  makeFact('f_units', 'Prefers metric units', '2026-11-02T09:00:00.000Z', { kind: 'preference' }),
  makeFact('f_desk', 'Prefers a standing desk', '2026-11-03T09:00:00.000Z', { kind: 'preference' }),
];

async function seeded(user: string) {
  const ws = await apiWorkspace(fake().url, { MEMAGENT_MEMORY_BUDGET: CORE_BUDGET });
  const store = new FileMemoryStore({ dir: ws.memoryDir });
  await store.update(user, (m) => ({ ...m, facts: [...PREFERENCES, ALLERGY] }));
  return { ws, store };
}

const userContent = (body: any, n: number) => body.messages[n].content;

describe('automatic recall with the real CLI', () => {
  it('attaches an archived fact and a past session’s words to the user message, while the system prompt stays byte-identical', async () => {
    const { ws, store } = await seeded('dana');
    // An earlier session says something no fact was made of: only episodic memory keeps it.
    const earlier = await runCli(['chat', '--user', 'dana'], { ...ws, input: 'The pricing page needs a yearly plan toggle.\n' });
    expect(earlier.code).toBe(0);
    fake().reset();

    const chat = await runCli(['chat', '--user', 'dana'], {
      ...ws,
      input: 'Can you suggest a seafood dinner for Friday?\nWhat did I say about the pricing page?\n',
    });
    expect(chat.code).toBe(0);
    const [first, second] = chatRequests(fake()).map((r) => r.body as any);
    expect(systemText(first)).not.toContain('shellfish');

    const [block, typed] = userContent(first, 0);
    expect(typed).toEqual({ type: 'text', text: 'Can you suggest a seafood dinner for Friday?' });
    expect(block.text.split('\n')[0]).toBe(RECALL_OPEN);
    expect(block.text.split('\n').at(-1)).toBe(RECALL_CLOSE);
    expect(block.text).toContain('- [2025-05-04] (uncertain) Allergic to shellfish and most seafood since childhood');
    expect(block.text).not.toContain('Prefers green tea'); // in core memory already

    const [block2, typed2] = userContent(second, 2);
    expect(typed2).toEqual({ type: 'text', text: 'What did I say about the pricing page?' });
    expect(block2.text).toMatch(/^- \[\d{4}-\d{2}-\d{2}\] you said: The pricing page needs a yearly plan toggle\.$/m);

    // The cached prefix: the same system prompt, and the first user message exactly as sent before.
    expect(JSON.stringify(second.system)).toBe(JSON.stringify(first.system));
    expect(JSON.stringify(second.messages[0])).toBe(JSON.stringify(first.messages[0]));
    expect(chat.stderr).toMatch(/^memagent: recalled \d+ memor(y|ies) \(~\d+ tokens\)$/m);

    // The kept session records what was attached before each turn.
    const sessions = await store.archive.sessions('dana');
    const episode = await store.archive.readSession('dana', sessions.at(-1)!.sessionId);
    expect(episode?.recalls?.map((r) => r.ids.includes('f_allergy'))).toEqual([true, false]);
    expect(episode?.recalls?.map((r) => r.beforeTurn)).toEqual([0, 2]);
  });

  it('recalls in an incognito session too, and keeps nothing of it', async () => {
    const { ws, store } = await seeded('erin');
    const chat = await runCli(['chat', '--user', 'erin', '--incognito'], { ...ws, input: 'Any seafood dinner ideas?\n' });
    expect(chat.code).toBe(0);
    const [req] = chatRequests(fake());
    expect(userContent(req!.body, 0)[0].text).toContain('Allergic to shellfish and most seafood since childhood');
    expect(await store.archive.sessions('erin')).toEqual([]);
    const journals = await fs.readdir(path.join(ws.memoryDir, 'journal', 'erin')).catch(() => []);
    expect(journals).toEqual([]);
  });

  it('attaches nothing with MEMAGENT_RECALL_BUDGET=0', async () => {
    const { ws } = await seeded('fay');
    const chat = await runCli(['chat', '--user', 'fay', '--incognito'], { ...ws, env: { ...ws.env, MEMAGENT_RECALL_BUDGET: '0' }, input: 'Any seafood dinner ideas?\n' });
    expect(chat.code).toBe(0);
    expect(userContent(chatRequests(fake())[0]!.body, 0)).toBe('Any seafood dinner ideas?');
    expect(chat.stderr).not.toMatch(/recalled/);
  });
});
