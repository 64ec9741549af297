// Memory tools mid-chat, end to end in process: a real ChatSession over the real SDK (through our
// model adapter) against the strict scripted fake Messages API, and a real file store in a temp dir.
// What the model "receives" is asserted on the recorded requests: the next request's tool_result.
import { describe, expect, it } from 'vitest';
import { ChatSession, type SessionEvent } from '../src/core/chat-session.js';
import { describeChanges } from '../src/core/describe-changes.js';
import { MAX_ACTIVE_FACTS } from '../src/core/merge.js';
import type { FakeStep } from '../src/fake-api/types.js';
import { chatRequests, extractRequests, gate, systemText, useFakeApi } from './helpers/fake.js';
import { makeFact } from './helpers/memory.js';
import { startTestSession } from './helpers/session.js';

const fake = useFakeApi({ strict: true });

async function newSession(opts: { incognito?: boolean; review?: boolean } = {}) {
  const { dir, store, session } = await startTestSession(fake().url, 'memagent-tools-', { incognito: opts.incognito ?? false, review: opts.review });
  return { dir, store, session };
}

/** Sends `text`, collecting every event. */
async function send(session: ChatSession, text: string, signal?: AbortSignal) {
  const events: SessionEvent[] = [];
  const outcome = await session.send(text, (e) => events.push(e), signal);
  return { outcome, events };
}

const call = (name: string, input: Record<string, unknown>, extra: Partial<FakeStep> = {}): FakeStep =>
  ({ kind: 'tool_use', text: 'Let me note that.', calls: [{ name, input }], jsonChunkSize: 4, ...extra }) as FakeStep;

/** The tool_result blocks the model received in chat request `i`. */
const toolResultsIn = (i: number) => {
  const messages = chatRequests(fake())[i].body.messages;
  return messages[messages.length - 1].content as Array<{ type: string; tool_use_id: string; content: string; is_error?: boolean }>;
};

const noExtraction = { summary: '', add: [], update: [], supersede: [], retract: [], decisions: [] };

describe('memory_remember', () => {
  it('saves a grounded fact at once, gives the model its id, and keeps the tool blocks in the conversation', async () => {
    const { store, session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', kind: 'fact', quote: 'I live in Lyon' }), { kind: 'text', text: 'Noted: Lyon.' });
    const { outcome, events } = await send(session, 'By the way, I live in Lyon now.');

    const { memory } = await store.load('alice');
    const fact = memory.facts.find((f) => f.text === 'Lives in Lyon')!;
    expect(fact).toMatchObject({ status: 'active', kind: 'fact', source: { quote: 'I live in Lyon', session: session.sessionId } });
    const [result] = toolResultsIn(1);
    expect(result.is_error).toBeUndefined();
    expect(result.content).toBe(`saved ${fact.id}: Lives in Lyon`);
    // The user saw the text of both rounds, and one call event with its parsed input.
    expect(outcome).toMatchObject({ type: 'done', text: 'Let me note that.\n\nNoted: Lyon.' });
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([
      { type: 'tool_call', id: result.tool_use_id, name: 'memory_remember', input: { text: 'Lives in Lyon', kind: 'fact', quote: 'I live in Lyon' } },
    ]);
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ name: 'memory_remember', isError: false });
    // The second request carries the assistant's tool_use block and the result, in order.
    const second = chatRequests(fake())[1].body;
    expect(second.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(second.messages[1].content.map((b: { type: string }) => b.type)).toEqual(['text', 'tool_use']);
    expect(second.tools.map((t: { name: string }) => t.name)).toEqual(['memory_search', 'memory_remember', 'memory_update', 'memory_forget']);
    expect(systemText(second)).toContain('memory_remember saves a fact at once');
    // The journal keeps the call and its result for the audit trail.
    const journal = await store.journals.read(session.journalPath!);
    expect(journal.tools).toEqual([expect.objectContaining({ name: 'memory_remember', result: `saved ${fact.id}: Lives in Lyon`, isError: false, afterTurn: 1 })]);
    // A later turn sends the same prefix again, tool blocks included (so the cached prefix holds).
    fake().enqueue({ kind: 'text', text: 'Sure.' });
    await send(session, 'thanks');
    const third = chatRequests(fake())[2].body;
    expect(third.messages.slice(0, 3)).toEqual(second.messages);
    expect(third.system).toEqual(second.system);
    expect(fake().unexpected).toEqual([]);
  });

  it('refuses a quote that is not the user\'s words with an is_error result, and writes nothing', async () => {
    const { store, session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Paris', quote: 'I live in Paris' }), { kind: 'text', text: 'Sorry.' });
    const { events } = await send(session, 'I live in Lyon');
    const [result] = toolResultsIn(1);
    expect(result.is_error).toBe(true);
    expect(result.content).toMatch(/^not saved: quote not found in the user's words/);
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ isError: true });
    expect((await store.load('alice')).exists).toBe(false);
  });

  it('redacts a secret in what it saves and journals, and pins a relative date to the calendar', async () => {
    const { store, session } = await newSession();
    fake().enqueue(
      {
        kind: 'tool_use',
        calls: [
          { name: 'memory_remember', input: { text: 'Wifi password is Tr0ub4dor-horse', quote: 'my wifi password is Tr0ub4dor-horse' } },
          { name: 'memory_remember', input: { text: 'Dentist appointment tomorrow', kind: 'goal', quote: 'dentist appointment tomorrow' } },
        ],
      },
      { kind: 'text', text: 'Noted.' },
    );
    await send(session, 'my wifi password is Tr0ub4dor-horse and I have a dentist appointment tomorrow');
    const { memory } = await store.load('alice');
    const all = JSON.stringify(memory);
    expect(all).not.toContain('Tr0ub4dor');
    expect(memory.facts.map((f) => f.text)).toContain('Wifi password is [redacted:password]');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(memory.facts.map((f) => f.text)).toContain(`Dentist appointment tomorrow (${tomorrow})`);
    const journal = await store.journals.read(session.journalPath!);
    expect(JSON.stringify(journal.tools)).not.toContain('Tr0ub4dor');
    expect(journal.tools).toHaveLength(2);
  });

  it('is refused with a reason in incognito, where only memory_search is offered', async () => {
    const { store, session } = await newSession({ incognito: true });
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'OK.' });
    await send(session, 'I live in Lyon');
    expect(chatRequests(fake())[0].body.tools.map((t: { name: string }) => t.name)).toEqual(['memory_search']);
    expect(systemText(chatRequests(fake())[0].body)).toContain('This session is incognito');
    expect(toolResultsIn(1)[0]).toMatchObject({ is_error: true, content: 'incognito: nothing is saved from this session' });
    expect((await store.load('alice')).exists).toBe(false);
  });
});

describe('memory_update and memory_forget', () => {
  async function seeded() {
    const s = await newSession();
    await s.store.update('alice', (m) => ({ ...m, facts: [makeFact('f_lisbon', 'Lives in Lisbon', '2026-01-10T10:00:00.000Z')] }));
    return s;
  }

  it('memory_update supersedes the fact: the old text stays as superseded, pointing at the new one', async () => {
    const { store, session } = await seeded();
    fake().enqueue(call('memory_update', { id: 'f_lisbon', text: 'Lives in Porto', quote: 'I moved to Porto' }), { kind: 'text', text: 'Updated.' });
    await send(session, 'I moved to Porto last month');
    const { memory } = await store.load('alice');
    const old = memory.facts.find((f) => f.id === 'f_lisbon')!;
    const now = memory.facts.find((f) => f.text === 'Lives in Porto')!;
    expect(old).toMatchObject({ status: 'superseded', supersededBy: now.id });
    expect(now.status).toBe('active');
    expect(toolResultsIn(1)[0].content).toBe(`updated f_lisbon → ${now.id}: Lives in Porto (was: Lives in Lisbon)`);
  });

  it('memory_update of an unknown id is an is_error result naming the id', async () => {
    const { store, session } = await seeded();
    fake().enqueue(call('memory_update', { id: 'f_nope', text: 'Lives in Porto', quote: 'I moved to Porto' }), { kind: 'text', text: 'Hm.' });
    await send(session, 'I moved to Porto');
    expect(toolResultsIn(1)[0]).toMatchObject({ is_error: true, content: 'no fact f_nope; use an id from memory_search' });
    expect((await store.load('alice')).memory.facts.map((f) => f.status)).toEqual(['active']);
  });

  it('memory_forget retracts the fact (kept, as retracted)', async () => {
    const { store, session } = await seeded();
    fake().enqueue(call('memory_forget', { id: 'f_lisbon', reason: 'moved away' }), { kind: 'text', text: 'Done.' });
    await send(session, 'I do not live in Lisbon any more');
    expect((await store.load('alice')).memory.facts).toEqual([expect.objectContaining({ id: 'f_lisbon', status: 'retracted' })]);
    expect(toolResultsIn(1)[0].content).toBe('retracted f_lisbon: Lives in Lisbon');
  });
});

describe('memory_update and memory_forget of a fact a cap moved out of the memory file', () => {
  // f_lisbon is archived as it is when a cap evicts it: still active, only out of the file.
  async function archivedLisbon() {
    const s = await newSession();
    await s.store.update('alice', (m) => ({ ...m, facts: [makeFact('f_lisbon', 'Lives in Lisbon', '2026-01-10T10:00:00.000Z'), makeFact('f_tea', 'Prefers green tea', '2026-01-11T10:00:00.000Z')] }));
    await s.store.update('alice', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'f_lisbon') }));
    expect((await s.store.archive.items('alice')).items.map((a) => [a.item.id, 'status' in a.item ? a.item.status : a.type])).toEqual([['f_lisbon', 'active']]);
    return s;
  }

  it('memory_update corrects it: a later search finds the new fact active and Lisbon superseded, not both current', async () => {
    const { store, session } = await archivedLisbon();
    fake().enqueue(call('memory_update', { id: 'f_lisbon', text: 'Lives in Porto', quote: 'I moved to Porto' }), { kind: 'text', text: 'Updated.' });
    await send(session, 'I moved to Porto last month');
    const porto = (await store.load('alice')).memory.facts.find((f) => f.text === 'Lives in Porto')!;
    expect(toolResultsIn(1)[0]).toEqual(expect.objectContaining({ content: `updated f_lisbon → ${porto.id}: Lives in Porto (was: Lives in Lisbon)` }));
    expect(toolResultsIn(1)[0].is_error).toBeUndefined();
    expect(porto.status).toBe('active');

    fake().enqueue(call('memory_search', { query: 'lives in', limit: 5 }), { kind: 'text', text: 'Porto.' });
    await send(session, 'where do I live?');
    const today = new Date().toISOString().slice(0, 10);
    const lines = toolResultsIn(3)[0].content.split('\n');
    expect(lines).toContain(`${porto.id} [${today}] fact: Lives in Porto`);
    expect(lines).toContain(`f_lisbon [2026-01-10 until ${today}, superseded by ${porto.id}] fact: Lives in Lisbon`);
    expect(lines.filter((l) => l.startsWith('f_lisbon '))).toHaveLength(1);
    // No store reader sees the archive's stale active copy any more.
    expect((await store.archive.items('alice')).items.map((a) => a.item.id)).not.toContain('f_lisbon');
    expect(fake().unexpected).toEqual([]);
  });

  it('memory_forget retracts it, so it is no longer found as current', async () => {
    const { store, session } = await archivedLisbon();
    fake().enqueue(call('memory_forget', { id: 'f_lisbon', reason: 'moved away' }), { kind: 'text', text: 'Done.' });
    await send(session, 'I do not live in Lisbon any more');
    expect(toolResultsIn(1)[0].content).toBe('retracted f_lisbon: Lives in Lisbon');
    expect((await store.load('alice')).memory.facts.find((f) => f.id === 'f_lisbon')).toMatchObject({ status: 'retracted' });
    const hits = await store.archive.search('alice', 'Lisbon', { limit: 5 });
    expect(hits.filter((h) => h.id === 'f_lisbon').map((h) => h.status)).toEqual(['retracted']);
  });

  it('in a full memory, the correction takes a place in the file and the lowest-ranked fact moves out, reported and still searchable', async () => {
    const { store, session } = await newSession();
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();
    const filler = Array.from({ length: MAX_ACTIVE_FACTS }, (_, n) => makeFact(`f_fill${String(n).padStart(4, '0')}`, `Owns board game number ${n}`, day(n + 2)));
    await store.update('alice', (m) => ({ ...m, facts: [makeFact('f_lisbon', 'Lives in Lisbon', day(0)), ...filler] }));
    await store.update('alice', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'f_lisbon') }));
    fake().enqueue(call('memory_update', { id: 'f_lisbon', text: 'Lives in Porto', quote: 'I moved to Porto' }), { kind: 'text', text: 'Updated.' });
    await send(session, 'I moved to Porto last month');
    const { memory } = await store.load('alice');
    const porto = memory.facts.find((f) => f.text === 'Lives in Porto')!;
    expect(memory.facts.filter((f) => f.status === 'active')).toHaveLength(MAX_ACTIVE_FACTS);
    expect(porto.status).toBe('active');
    expect(toolResultsIn(1)[0].content.split('\n')).toEqual([
      `updated f_lisbon → ${porto.id}: Lives in Porto (was: Lives in Lisbon)`,
      'dropped f_fill0000 to make room: Owns board game number 0',
    ]);
    expect((await store.archive.items('alice')).items.map((a) => [a.item.id, 'status' in a.item ? a.item.status : a.type])).toEqual([['f_fill0000', 'active']]);
  });

  it('an archived fact that is already superseded is refused naming its successor, and nothing is written', async () => {
    const { store, session } = await newSession();
    await store.update('alice', (m) => ({
      ...m,
      facts: [makeFact('f_lisbon', 'Lives in Lisbon', '2026-01-10T10:00:00.000Z', { status: 'superseded', supersededBy: 'f_porto', validTo: '2026-02-01T10:00:00.000Z' }), makeFact('f_porto', 'Lives in Porto', '2026-02-01T10:00:00.000Z')],
    }));
    await store.update('alice', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'f_lisbon') }));
    const revision = (await store.load('alice')).memory.revision;
    fake().enqueue(call('memory_forget', { id: 'f_lisbon', reason: 'moved away' }), { kind: 'text', text: 'Hm.' });
    await send(session, 'I do not live in Lisbon');
    expect(toolResultsIn(1)[0]).toMatchObject({ is_error: true, content: 'fact f_lisbon is already superseded by f_porto; change that one instead' });
    expect((await store.load('alice')).memory.revision).toBe(revision);
  });
});

describe('memory_search and invalid input', () => {
  it('finds remembered facts, the superseded value marked with until when it held', async () => {
    const { store, session } = await newSession();
    await store.update('alice', (m) => ({ ...m, facts: [makeFact('f_lisbon', 'Lives in Lisbon', '2026-01-10T10:00:00.000Z'), makeFact('f_tea', 'Prefers green tea', '2026-01-11T10:00:00.000Z')] }));
    fake().enqueue(call('memory_update', { id: 'f_lisbon', text: 'Lives in Porto', quote: 'I moved to Porto' }), { kind: 'text', text: 'Updated.' });
    await send(session, 'I moved to Porto');
    fake().enqueue(call('memory_search', { query: 'lives in', limit: 5 }), { kind: 'text', text: 'Porto.' });
    await send(session, 'where do I live?');
    const porto = (await store.load('alice')).memory.facts.find((f) => f.text === 'Lives in Porto')!;
    const lines = toolResultsIn(3)[0].content.split('\n');
    const today = new Date().toISOString().slice(0, 10);
    expect(lines).toContain(`${porto.id} [${today}] fact: Lives in Porto`);
    expect(lines).toContain(`f_lisbon [2026-01-10 until ${today}, superseded by ${porto.id}] fact: Lives in Lisbon`);
    expect(lines.join('\n')).not.toContain('green tea');
  });

  it('says clearly that an empty archive has nothing for the query', async () => {
    const { session } = await newSession();
    fake().enqueue(call('memory_search', { query: 'pricing page' }), { kind: 'text', text: 'Nothing.' });
    await send(session, 'what did I say about the pricing page?');
    expect(toolResultsIn(1)[0]).toMatchObject({ content: 'no memories match "pricing page"' });
    expect(toolResultsIn(1)[0].is_error).toBeUndefined();
  });

  it('answers invalid input with an is_error result naming each problem, never a crash', async () => {
    const { session } = await newSession();
    fake().enqueue(call('memory_search', { limit: 'ten', extra: 1 }), call('memory_rewrite', { text: 'x' }), { kind: 'text', text: 'Oops.' });
    const { outcome } = await send(session, 'search');
    expect(outcome.type).toBe('done');
    const [invalid] = toolResultsIn(1);
    expect(invalid.is_error).toBe(true);
    expect(invalid.content).toMatch(/^invalid input for memory_search: /);
    expect(invalid.content).toMatch(/query: /);
    expect(invalid.content).toMatch(/limit: /);
    expect(toolResultsIn(2)[0]).toMatchObject({ is_error: true, content: expect.stringMatching(/^unknown tool "memory_rewrite"/) });
  });
});

describe('the tool loop', () => {
  it('sends the text of a two-round answer once in the next turn, while the user saw and the journal keeps all of it', async () => {
    const { store, session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'Noted: Lyon.' });
    const { outcome } = await send(session, 'I live in Lyon');
    expect(outcome).toMatchObject({ type: 'done', text: 'Let me note that.\n\nNoted: Lyon.' });
    fake().enqueue({ kind: 'text', text: 'Sure.' });
    await send(session, 'thanks');
    const sent = JSON.stringify(chatRequests(fake())[2].body.messages);
    expect(sent.split('Let me note that.')).toHaveLength(2);
    expect(sent.split('Noted: Lyon.')).toHaveLength(2);
    const messages = chatRequests(fake())[2].body.messages;
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[3].content).toBe('Noted: Lyon.');
    const journal = await store.journals.read(session.journalPath!);
    expect(journal.turns.filter((t) => t.role === 'assistant').map((t) => t.text)).toEqual(['Let me note that.\n\nNoted: Lyon.', 'Sure.']);
    expect(fake().unexpected).toEqual([]);
  });

  it('keeps a placeholder, not the earlier rounds\' text, after a last round that says nothing', async () => {
    const { session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: '' });
    const { outcome } = await send(session, 'I live in Lyon');
    expect(outcome).toMatchObject({ type: 'done', text: 'Let me note that.' });
    fake().enqueue({ kind: 'text', text: 'Sure.' });
    await send(session, 'thanks');
    const messages = chatRequests(fake())[2].body.messages;
    expect(messages[3]).toEqual({ role: 'assistant', content: '(used memory tools)' });
    expect(JSON.stringify(messages).split('Let me note that.')).toHaveLength(2);
  });

  it('stops at its bound with one notice, and the next turn still sends a valid conversation', async () => {
    const { session } = await newSession();
    for (let i = 0; i < 5; i++) fake().enqueue(call('memory_search', { query: `round ${i}` }, { text: undefined }));
    const { outcome, events } = await send(session, 'look everything up');
    expect(chatRequests(fake())).toHaveLength(5);
    expect(events.filter((e) => e.type === 'tool_result')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'notice')).toEqual([{ type: 'notice', level: 'warning', text: 'stopped the memory tools after 4 rounds in one answer' }]);
    expect(outcome.type).toBe('done');
    // The fake refuses, as the API does, any tool_use left without a tool_result.
    fake().enqueue({ kind: 'text', text: 'Fine.' });
    expect((await send(session, 'ok')).outcome).toMatchObject({ type: 'done', text: 'Fine.' });
    expect(fake().unexpected).toEqual([]);
  });

  it('an interrupt between rounds keeps what was shown and leaves a valid conversation', async () => {
    const { store, session } = await newSession();
    const hold = gate();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'never shown', until: hold.promise });
    const abort = new AbortController();
    const pending = session.send('I live in Lyon', (e) => e.type === 'tool_result' && abort.abort(), abort.signal);
    const outcome = await pending;
    hold.open();
    expect(outcome).toMatchObject({ type: 'interrupted', text: 'Let me note that.' });
    // The write that ran before the interrupt stays.
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Lives in Lyon']);
    fake().reset();
    fake().enqueue({ kind: 'text', text: 'Back.' });
    expect((await send(session, 'hello again')).outcome).toMatchObject({ type: 'done', text: 'Back.' });
  });
});

describe('an API failure after a tool round', () => {
  it('keeps the text shown and the write made, and the next turn sends a valid conversation', async () => {
    const { store, session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), {
      kind: 'error',
      status: 500,
      type: 'api_error',
      message: 'Internal server error',
    });
    const { outcome } = await send(session, 'I live in Lyon');
    expect(outcome).toMatchObject({ type: 'error', partialText: 'Let me note that.' });
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Lives in Lyon']);
    fake().enqueue({ kind: 'text', text: 'Recovered.' });
    expect((await send(session, 'still there?')).outcome).toMatchObject({ type: 'done', text: 'Recovered.' });
    expect(fake().unexpected).toEqual([]);
  });
});

describe('a turn cut short after a tool round', () => {
  /** How many times `text` occurs in the messages of chat request `i`. */
  const timesSent = (i: number, text: string) => JSON.stringify(chatRequests(fake())[i].body.messages).split(text).length - 1;

  it('an interrupt between rounds: the next request has the first round\'s text once', async () => {
    const { session } = await newSession();
    const hold = gate();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'never shown', until: hold.promise });
    const abort = new AbortController();
    await session.send('I live in Lyon', (e) => e.type === 'tool_result' && abort.abort(), abort.signal);
    hold.open();
    fake().reset();
    fake().enqueue({ kind: 'text', text: 'Back.' });
    await send(session, 'hello again');
    expect(timesSent(0, 'Let me note that.')).toBe(1);
    expect(chatRequests(fake())[0].body.messages.at(-2)).toEqual({ role: 'assistant', content: '[interrupted: the user stopped this answer]' });
  });

  it('an interrupt during the second round: the next request has each round\'s text once', async () => {
    const { session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), {
      kind: 'text',
      text: 'Noted: Lyon. And here is a long answer that goes on for a while.',
      chunkSize: 6,
      chunkDelayMs: 30,
    });
    const abort = new AbortController();
    let ran = false;
    const outcome = await session.send(
      'I live in Lyon',
      (e) => {
        if (e.type === 'tool_result') ran = true;
        else if (ran && e.type === 'text' && e.text.includes('Noted')) abort.abort();
      },
      abort.signal,
    );
    expect(outcome).toMatchObject({ type: 'interrupted', text: expect.stringMatching(/^Let me note that\.\n\nNoted/) });
    fake().enqueue({ kind: 'text', text: 'Back.' });
    await send(session, 'hello again');
    expect(timesSent(2, 'Let me note that.')).toBe(1);
    expect(timesSent(2, 'Noted')).toBe(1);
    expect(chatRequests(fake())[2].body.messages.at(-2).content).toMatch(/^Noted.*\n\n\[interrupted: the user stopped this answer\]$/s);
  });

  it('a stream broken in the second round: the next request has each round\'s text once', async () => {
    const { session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'stream-error', afterText: 'Noted: Ly' });
    const { outcome } = await send(session, 'I live in Lyon');
    expect(outcome).toMatchObject({ type: 'error', partialText: 'Let me note that.\n\nNoted: Ly' });
    fake().enqueue({ kind: 'text', text: 'Recovered.' });
    expect((await send(session, 'still there?')).outcome).toMatchObject({ type: 'done', text: 'Recovered.' });
    expect(timesSent(2, 'Let me note that.')).toBe(1);
    expect(timesSent(2, 'Noted: Ly')).toBe(1);
    expect(fake().unexpected).toEqual([]);
  });
});

describe('--review for tool writes', () => {
  it('refuses writes when no one can be asked, asks when it can, and keeps only what the user accepts', async () => {
    const { store, session } = await newSession({ review: true });
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'OK.' });
    await send(session, 'I live in Lyon');
    expect(toolResultsIn(1)[0]).toMatchObject({ is_error: true, content: expect.stringContaining('--review') });

    const asked: string[] = [];
    session.tools.setReview(async (change) => (asked.push(change), false));
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'OK.' });
    await send(session, 'really');
    expect(asked).toEqual(['+ Lives in Lyon']);
    expect(toolResultsIn(3)[0]).toMatchObject({ is_error: true, content: 'not saved: the user declined this change' });
    expect((await store.load('alice')).exists).toBe(false);

    session.tools.setReview(async () => true);
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'OK.' });
    await send(session, 'yes please');
    expect((await store.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Lives in Lyon']);
  });
});

describe('the exit extraction after tool writes', () => {
  it('sees the tool-written fact as existing, does not add it again, and the report lists what the tool wrote', async () => {
    const { store, session } = await newSession();
    fake().enqueue(call('memory_remember', { text: 'Lives in Lyon', quote: 'I live in Lyon' }), { kind: 'text', text: 'Noted.' });
    await send(session, 'I live in Lyon');
    // An extraction that proposes the same fact again (as a careless model would).
    fake().enqueue({
      match: 'extract',
      kind: 'json',
      value: { ...noExtraction, add: [{ text: 'Lives in Lyon', kind: 'fact', confidence: 'high', quote: 'I live in Lyon' }] },
    });
    const outcome = (await session.finish())!;
    expect(extractRequests(fake())[0].body.messages[0].content).toContain('Lives in Lyon');
    const { memory } = await store.load('alice');
    expect(memory.facts.filter((f) => f.text === 'Lives in Lyon')).toHaveLength(1);
    const report = describeChanges(outcome);
    expect(report[0]).toBe('+ Lives in Lyon');
    expect(report.join('\n')).not.toContain('already known');
    expect(report.at(-1)).toMatch(/^Memory saved: \+1 added/);
  });
});
