// The contract every MemoryStore implementation must keep, written against the interface only
// (src/core/storage/store.ts): no paths, modes or symlinks here; those belong in the tests of
// one implementation (file-store.test.ts). Run it with `memoryStoreContract(name, factory)`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemagentError } from '../../src/core/errors.js';
import type { Decision, Fact, Memory } from '../../src/core/schema.js';
import type { MemoryStore } from '../../src/core/storage/store.js';
import { makeFact } from '../helpers/memory.js';

/** One backing storage (a temp dir, a database schema) that stores can be opened on. */
export interface ContractBacking {
  /** A new store instance over this backing; two instances behave like two processes. */
  open(): MemoryStore;
  /** Removes the backing. */
  cleanup(): Promise<void>;
}

const AT = '2026-03-01T10:00:00.000Z';
const fact = (id: string, text: string): Fact => makeFact(id, text, AT, { kind: 'preference' });
const decision = (id: string, topic: string, text: string): Decision => ({
  id,
  topic,
  decision: text,
  date: AT,
  source: { session: 's1', at: AT, quote: text },
});
const adding = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });

/**
 * Registers the contract suite for one implementation.
 * @param factory makes a fresh, empty backing for each test.
 */
export function memoryStoreContract(name: string, factory: () => Promise<ContractBacking>): void {
  describe(`MemoryStore contract: ${name}`, () => {
    const backings: ContractBacking[] = [];
    let fresh: () => Promise<ContractBacking>;
    beforeAll(() => {
      fresh = async () => {
        const b = await factory();
        backings.push(b);
        return b;
      };
    });
    afterAll(async () => {
      await Promise.all(backings.map((b) => b.cleanup()));
    });

    it('a new user loads as an empty memory that does not exist yet, with no versions and no listing', async () => {
      const store = (await fresh()).open();
      const { memory, exists } = await store.load('newcomer');
      expect(exists).toBe(false);
      expect(memory.userId).toBe('newcomer');
      expect(memory.revision).toBe(0);
      expect(memory.facts).toEqual([]);
      expect(memory.decisions).toEqual([]);
      expect(await store.history('newcomer')).toEqual([]);
      expect(await store.listUsers()).toEqual([]);
      expect(await store.journals.listPending('newcomer')).toEqual([]);
    });

    it('update re-reads under the lock: a write made by another store meanwhile is kept', async () => {
      const backing = await fresh();
      const a = backing.open();
      const b = backing.open();
      await a.load('ann'); // a has seen the user before b writes
      await b.update('ann', adding(fact('f1', 'Likes tea')));
      const result = await a.update('ann', (current) => {
        expect(current.facts.map((f) => f.id)).toEqual(['f1']);
        return adding(fact('f2', 'Lives in Porto'))(current);
      });
      expect(result.written).toBe(true);
      expect(result.before.revision).toBe(1);
      expect(result.after.revision).toBe(2);
      const { memory, exists } = await b.load('ann');
      expect(exists).toBe(true);
      expect(memory.facts.map((f) => f.id)).toEqual(['f1', 'f2']);
    });

    it('update whose function returns null writes nothing', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('f1', 'Likes tea')));
      const result = await store.update('ann', () => null);
      expect(result.written).toBe(false);
      expect(result.after).toEqual(result.before);
      expect((await store.load('ann')).memory.revision).toBe(1);
      expect(await store.history('ann')).toHaveLength(0);
    });

    it('concurrent updates from two stores all land, each exactly once', async () => {
      const backing = await fresh();
      const stores = [backing.open(), backing.open()];
      const n = 12;
      await Promise.all(
        Array.from({ length: n }, (_, i) => stores[i % 2].update('ann', adding(fact(`f${i}`, `Fact number ${i}`)))),
      );
      const { memory } = await stores[0].load('ann');
      expect(memory.revision).toBe(n);
      expect(memory.facts.map((f) => f.id).sort()).toEqual(Array.from({ length: n }, (_, i) => `f${i}`).sort());
    });

    it('an update producing an invalid memory is refused and the stored memory stays as it was', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('f1', 'Likes tea')));
      const before = await store.load('ann');
      const versions = await store.history('ann');
      await expect(store.update('ann', (m) => ({ ...m, facts: [...m.facts, { ...fact('f2', 'x'), text: '' }] }))).rejects.toThrow(MemagentError);
      await expect(store.update('ann', (m) => ({ ...m, userId: 'bob' }))).rejects.toThrow(MemagentError);
      expect(await store.load('ann')).toEqual(before);
      expect(await store.history('ann')).toEqual(versions);
      expect((await store.load('bob')).exists).toBe(false);
    });

    it('each write saves the previous version; undo restores them newest first, then has nothing left', async () => {
      const store = (await fresh()).open();
      const states: Memory[] = [];
      for (let i = 1; i <= 3; i++) states.push((await store.update('ann', adding(fact(`f${i}`, `Fact ${i}`)))).after);
      expect((await store.history('ann')).map((v) => v.revision)).toEqual([2, 1]);
      const first = await store.undo('ann');
      expect(first.revision).toBe(2);
      expect(first.before).toEqual(states[2]);
      expect((await store.load('ann')).memory).toEqual(states[1]);
      const second = await store.undo('ann');
      expect(second.revision).toBe(1);
      expect((await store.load('ann')).memory).toEqual(states[0]);
      expect(await store.history('ann')).toEqual([]);
      await expect(store.undo('ann')).rejects.toThrow(MemagentError);
      expect((await store.load('ann')).memory).toEqual(states[0]);
    });

    it('purge removes matching items from the current memory and from every saved version', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('secret', 'Owes money to Dave')));
      await store.update('ann', adding(fact('f2', 'Likes tea')));
      await store.update('ann', (m) => ({ ...m, decisions: [decision('d1', 'loan', 'Repay Dave in May')] }));
      const report = await store.purge('ann', (item) => item.id === 'secret' || item.id === 'd1');
      expect(report.removed.map((i) => i.id).sort()).toEqual(['d1', 'secret']);
      expect(report.matched.map((i) => i.id).sort()).toEqual(['d1', 'secret']);
      expect(report.historyVersions).toBeGreaterThan(0);
      // Walk back through every version: the purged items never come back.
      for (;;) {
        const { memory } = await store.load('ann');
        expect(memory.facts.map((f) => f.id)).not.toContain('secret');
        expect(memory.decisions).toEqual([]);
        if ((await store.history('ann')).length === 0) break;
        await store.undo('ann');
      }
      // Idempotent.
      const again = await store.purge('ann', (item) => item.id === 'secret');
      expect(again.removed).toEqual([]);
      expect(again.matched).toEqual([]);
    });

    it('forget counts what left the current memory', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('f1', 'Likes tea')));
      await store.update('ann', adding(fact('f2', 'Likes coffee')));
      expect(await store.forget('ann', (item) => item.id === 'f1')).toBe(1);
      expect((await store.load('ann')).memory.facts.map((f) => f.id)).toEqual(['f2']);
      expect(await store.forget('ann', (item) => item.id === 'f1')).toBe(0);
    });

    it('forgetAll removes the memory, its versions, journals and input history; other users stay', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('f1', 'Likes tea')));
      await store.update('ann', adding(fact('f2', 'Likes coffee')));
      await store.update('bob', adding(fact('b1', 'Plays chess')));
      const journal = await store.journals.open({ userId: 'ann', sessionId: 's-forget-all', model: 'm', now: new Date(AT) });
      journal.append({ type: 'turn', role: 'user', text: 'I like tea', at: AT });
      await journal.close();
      const { history } = await store.inputHistory.open('ann');
      await history.append('I like tea', ['I like tea']);
      expect(await store.inputHistory.exists('ann')).toBe(true);
      await store.forgetAll('ann');
      expect((await store.load('ann')).exists).toBe(false);
      expect(await store.history('ann')).toEqual([]);
      expect(await store.journals.count('ann')).toBe(0);
      expect(await store.inputHistory.exists('ann')).toBe(false);
      expect((await store.load('bob')).memory.facts.map((f) => f.id)).toEqual(['b1']);
      await store.forgetAll('ann'); // idempotent
    });

    it('listUsers lists every stored user sorted by id with their counts', async () => {
      const store = (await fresh()).open();
      await store.update('zoe', adding(fact('z1', 'Runs marathons')));
      await store.update('ann', (m) => ({
        ...m,
        sessionCount: 2,
        facts: [fact('a1', 'Likes tea'), { ...fact('a2', 'Lived in Rome'), status: 'superseded', validTo: AT }],
        decisions: [decision('d1', 'trip', 'Go to Lisbon')],
      }));
      const users = await store.listUsers();
      expect(users.map((u) => u.userId)).toEqual(['ann', 'zoe']);
      expect(users[0]).toMatchObject({ userId: 'ann', facts: 1, decisions: 1, sessionCount: 2 });
      expect(users[0].bytes).toBeGreaterThan(0);
      expect(users[0].error).toBeUndefined();
      expect(users[1]).toMatchObject({ userId: 'zoe', facts: 1, decisions: 0 });
    });

    it('journals: a live journal is not pending; once closed it is, reads back its turns, and is gone once retired', async () => {
      const store = (await fresh()).open();
      const journal = await store.journals.open({ userId: 'ann', sessionId: 's-1', model: 'm', now: new Date(AT) });
      journal.append({ type: 'turn', role: 'user', text: 'My name is Ann', at: AT });
      journal.append({ type: 'turn', role: 'assistant', text: 'Hello Ann', at: AT });
      expect(await store.journals.listPending('ann')).toEqual([]);
      await journal.close();
      const pending = await store.journals.listPending('ann');
      expect(pending).toEqual([journal.path]);
      expect(await store.journals.listPending('ann', 's-1')).toEqual([]);
      const contents = await store.journals.read(pending[0]);
      expect(contents.header?.sessionId).toBe('s-1');
      expect(contents.turns.map((t) => t.text)).toEqual(['My name is Ann', 'Hello Ann']);
      const claim = await store.journals.claim(pending[0]);
      expect(claim).not.toBeNull();
      await store.journals.retire(pending[0]);
      await claim?.release();
      expect(await store.journals.listPending('ann')).toEqual([]);
      expect(await store.journals.count('ann')).toBe(0);
    });

    it('journals.forget removes the turns mentioning a text and keeps the rest', async () => {
      const store = (await fresh()).open();
      const journal = await store.journals.open({ userId: 'ann', sessionId: 's-2', model: 'm', now: new Date(AT) });
      journal.append({ type: 'turn', role: 'user', text: 'I live in Lisbon', at: AT });
      journal.append({ type: 'turn', role: 'user', text: 'I like tea', at: AT });
      expect(await store.journals.forget('ann', 'lisbon')).toBe(1);
      // A running session goes on appending after the rewrite.
      journal.append({ type: 'turn', role: 'user', text: 'Goodbye', at: AT });
      await journal.close();
      const contents = await store.journals.read(journal.path);
      expect(contents.turns.map((t) => t.text)).toEqual(['I like tea', 'Goodbye']);
    });

    it('input history: appended entries read back in order and forget removes the matching ones', async () => {
      const store = (await fresh()).open();
      expect((await store.inputHistory.open('ann')).entries).toEqual([]);
      expect(await store.inputHistory.exists('ann')).toBe(false);
      const { history } = await store.inputHistory.open('ann');
      await history.append('first', ['first']);
      await history.append('I live in Lisbon', ['first', 'I live in Lisbon']);
      await history.append('third', ['first', 'I live in Lisbon', 'third']);
      expect((await store.inputHistory.open('ann')).entries).toEqual(['first', 'I live in Lisbon', 'third']);
      expect(await store.inputHistory.forget('ann', (text) => text.includes('Lisbon'))).toBe(1);
      expect((await store.inputHistory.open('ann')).entries).toEqual(['first', 'third']);
    });
  });
}
