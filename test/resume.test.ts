// chat --continue / --resume: which conversation the model gets back, and how the REPL shows it.
import { describe, expect, it } from 'vitest';
import { conversationFromTurns, restoreConversation } from '../src/core/services/resume.js';
import { earlierLines, EARLIER_TURNS_SHOWN } from '../src/ui/earlier-transcript.js';

const at = '2026-11-30T14:02:00.000Z';
const user = (text: string) => ({ role: 'user' as const, text, at });
const assistant = (text: string, interrupted = false) => ({ role: 'assistant' as const, text, at, ...(interrupted ? { interrupted } : {}) });

describe('restoring an earlier conversation', () => {
  it('gives the model the earlier turns as alternating messages', () => {
    expect(conversationFromTurns([user('My name is Alice.'), assistant('Hello Alice!'), user('I like tea.'), assistant('Noted.')])).toEqual([
      { role: 'user', content: 'My name is Alice.' },
      { role: 'assistant', content: 'Hello Alice!' },
      { role: 'user', content: 'I like tea.' },
      { role: 'assistant', content: 'Noted.' },
    ]);
  });

  it('marks an answer the user stopped, as the live session does', () => {
    expect(conversationFromTurns([user('long essay please'), assistant('Once upon', true)])[1].content).toBe(
      'Once upon\n\n[interrupted: the user stopped this answer]',
    );
  });

  it('joins a message whose answer failed with the one sent after it, and drops an unanswered last message', () => {
    expect(conversationFromTurns([user('first try'), user('second try'), assistant('answer'), user('never answered')])).toEqual([
      { role: 'user', content: 'first try\n\nsecond try' },
      { role: 'assistant', content: 'answer' },
    ]);
  });

  it('starts with the user even if the earlier session did not', () => {
    expect(conversationFromTurns([assistant('stray'), user('hi'), assistant('hello')]).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('fills only a session that has not started', () => {
    const session = { messages: [] as Array<{ role: 'user' | 'assistant'; content: string }> };
    expect(restoreConversation(session, { turns: [user('a'), assistant('b')] })).toBe(2);
    expect(() => restoreConversation(session, { turns: [user('a'), assistant('b')] })).toThrow(/already started/);
  });
});

describe('the earlier transcript in the REPL', () => {
  it('shows the title, the turns and where the new conversation starts', () => {
    const lines = earlierLines({ title: 'continuing the conversation of 2026-11-30 14:02', turns: [user('My name is Alice.'), assistant('Hello Alice!')] }, 80);
    expect(lines.map((l) => l.text)).toEqual([
      '── continuing the conversation of 2026-11-30 14:02 ──',
      '› My name is Alice.',
      'Hello Alice!',
      '── the conversation goes on from here ──',
    ]);
  });

  it('draws only the last turns of a long conversation and says how many are not shown', () => {
    const turns = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? user(`q${i}`) : assistant(`a${i}`)));
    const texts = earlierLines({ title: 't', turns }, 80).map((l) => l.text);
    expect(texts[1]).toBe(`… ${30 - EARLIER_TURNS_SHOWN} earlier turns not shown (all were restored)`);
    expect(texts).toContain('a29');
    expect(texts).not.toContain('› q0');
  });

  it('never lets a stored escape sequence reach the terminal', () => {
    const texts = earlierLines({ title: 't', turns: [user('\x1b[2Jcleared?')] }, 80).map((l) => l.text);
    expect(texts.join('')).not.toContain('\x1b');
  });
});
