// The contract every MemoryStore implementation must keep, written against the interface only
// (src/core/storage/store.ts): no paths, modes or symlinks here; those belong in the tests of
// one implementation (file-store.test.ts). Run it with `memoryStoreContract(name, factory)`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemagentError } from '../../src/core/errors.js';
import { mergeMemory, type MergeCaps } from '../../src/core/merge.js';
import type { Decision, Fact, Memory, MergeOps } from '../../src/core/schema.js';
import type { MemoryStore } from '../../src/core/storage/store.js';
import { sessionWrite } from '../../src/core/session-apply.js';
import { makeFact } from '../helpers/memory.js';

/** One backing storage (a temp dir, a database schema) that stores can be opened on. */
export interface ContractBacking {
  /** A new store instance over this backing; two instances behave like two processes. */
  open(): MemoryStore;
  /** Removes the backing. */
  cleanup(): Promise<void>;
  /**
   * Optional: a store whose next write pauses right before its commit (`reached`) until
   * `resume()`, and a way to take its lock from it meanwhile, as a stale-lock takeover would.
   */
  pausedWriter?(): { store: MemoryStore; reached: Promise<void>; resume(): void; takeOverLock(userId: string): Promise<void> };
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

    it('revisions only grow: every write, undo and restore is a new revision above all earlier ones', async () => {
      const store = (await fresh()).open();
      const seen: number[] = [];
      for (let i = 1; i <= 3; i++) seen.push((await store.update('ann', adding(fact(`f${i}`, `Fact ${i}`)))).after.revision);
      seen.push((await store.undo('ann')).revision);
      seen.push((await store.restore('ann', { revision: 1 })).revision);
      seen.push((await store.update('ann', adding(fact('f9', 'Fact 9')))).after.revision);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await store.history('ann')).map((v) => v.revision)).toEqual([5, 4, 3, 2, 1]);
    });

    it('undo reverts only the last write, and undoing the undo brings that write back', async () => {
      const store = (await fresh()).open();
      const states: Memory[] = [];
      for (let i = 1; i <= 3; i++) states.push((await store.update('ann', adding(fact(`f${i}`, `Fact ${i}`)))).after);
      const first = await store.undo('ann');
      expect(first).toMatchObject({ revision: 4, restoredRevision: 2 });
      expect(first.before).toEqual(states[2]);
      const ids = async () => (await store.load('ann')).memory.facts.map((f) => f.id);
      expect(await ids()).toEqual(['f1', 'f2']);
      const second = await store.undo('ann');
      expect(second).toMatchObject({ revision: 5, restoredRevision: 3 });
      expect(await ids()).toEqual(['f1', 'f2', 'f3']);
    });

    it('undo after a forget refuses with the reason and changes nothing, instead of reverting an earlier write', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('a', 'Likes alpha')));
      await store.update('ann', adding(fact('b', 'Likes bravo')));
      await store.update('ann', adding(fact('c', 'Likes charlie')));
      await store.forget('ann', (item) => item.id === 'c');
      const before = await store.load('ann');
      await expect(store.undo('ann')).rejects.toThrow(/forget .*cannot be undone/);
      expect(await store.load('ann')).toEqual(before);
      expect(before.memory.facts.map((f) => f.id)).toEqual(['a', 'b']);
    });

    it('undo refuses when there is no earlier revision, writing nothing', async () => {
      const store = (await fresh()).open();
      await store.update('ann', adding(fact('a', 'Likes alpha')));
      await expect(store.undo('ann')).rejects.toThrow(MemagentError);
      expect((await store.load('ann')).memory.revision).toBe(1);
    });

    it('restore brings back any kept version as a new revision', async () => {
      const store = (await fresh()).open();
      for (let i = 1; i <= 3; i++) await store.update('ann', adding(fact(`f${i}`, `Fact ${i}`)));
      const result = await store.restore('ann', { revision: 1 });
      expect(result).toMatchObject({ revision: 4, restoredRevision: 1 });
      expect((await store.load('ann')).memory.facts.map((f) => f.id)).toEqual(['f1']);
      await expect(store.restore('ann', { revision: 4 })).rejects.toThrow(/current memory already/);
      await expect(store.restore('ann', { revision: 42 })).rejects.toThrow(/not kept/);
    });

    it('applying the same session twice changes nothing the second time', async () => {
      const store = (await fresh()).open();
      const session = (current: Memory) => sessionWrite(current, adding(fact('s1', 'Lives in Porto'))(current), 'session-1');
      const first = await store.update('ann', session);
      expect(first.written).toBe(true);
      const second = await store.update('ann', session);
      expect(second.written).toBe(false);
      const { memory } = await store.load('ann');
      expect(memory.revision).toBe(1);
      expect(memory.sessionCount).toBe(1);
    });

    it('a writer that lost its lock before committing never replaces the revision written meanwhile', async (ctx) => {
      const backing = await fresh();
      if (!backing.pausedWriter) return ctx.skip();
      const paused = backing.pausedWriter();
      const other = backing.open();
      await other.update('ann', adding(fact('seed', 'Seed fact')));
      const slow = paused.store.update('ann', adding(fact('slow', 'Written by the paused writer')));
      await paused.reached;
      await paused.takeOverLock('ann');
      await other.update('ann', adding(fact('fast', 'Written meanwhile')));
      paused.resume();
      await slow.catch(() => undefined);
      const { memory } = await other.load('ann');
      expect(memory.facts.map((f) => f.id)).toEqual(expect.arrayContaining(['seed', 'fast']));
      // Either the paused writer re-applied its change on top, or it wrote nothing at all.
      expect(memory.revision).toBe(memory.facts.some((f) => f.id === 'slow') ? 3 : 2);
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
      // Every kept version is scrubbed too: restoring any of them never brings the items back.
      for (const version of await store.history('ann')) {
        const restored = (await store.restore('ann', { revision: version.revision })).after;
        expect(restored.facts.map((f) => f.id)).not.toContain('secret');
        expect(restored.decisions).toEqual([]);
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

/**
 * The contract of `MemoryStore.archive` (archival and episodic memory, search), for every store
 * whose archive is built: the file store now, PostgreSQL when its archive lands. Written against
 * the interface only; file layout, modes and corrupt files are tested in file-store.test.ts.
 * @param factory makes a fresh, empty backing for each test.
 */
export function archiveStoreContract(name: string, factory: () => Promise<ContractBacking>): void {
  describe(`ArchiveStore contract: ${name}`, () => {
    const backings: ContractBacking[] = [];
    const fresh = async () => {
      const b = await factory();
      backings.push(b);
      return b;
    };
    afterAll(async () => {
      await Promise.all(backings.map((b) => b.cleanup()));
    });
    const opsOf = (o: Partial<MergeOps>): MergeOps => ({ add: [], update: [], supersede: [], retract: [], decisions: [], ...o });
    /** One session's merge at `at`, with the caps given (the way extraction writes). */
    const merging = (o: Partial<MergeOps>, caps: Partial<MergeCaps>, at = AT) => (m: Memory) =>
      mergeMemory(m, opsOf(o), { sessionId: `s-${at.slice(0, 10)}`, now: new Date(at), caps }).memory;
    const add = (text: string, confidence: 'low' | 'high' = 'high') => ({ text, kind: 'preference' as const, confidence, quote: text });
    /** A finished session's journal of `userId`, its turns said at `at`; returns its reference. */
    async function journal(store: MemoryStore, userId: string, sessionId: string, at: string, turns: string[]): Promise<string> {
      const j = await store.journals.open({ userId, sessionId, model: 'm', now: new Date(at) });
      turns.forEach((text, i) => j.append({ type: 'turn', role: i % 2 === 0 ? 'user' : 'assistant', text, at }));
      await j.close();
      return j.path;
    }

    it('a fact evicted from core memory stays active in the archive, dated, with its session, and search finds it', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Likes green tea', 'low')] }, { activeFacts: 1 }, '2026-03-01T10:00:00.000Z'));
      await store.update('ann', merging({ add: [add('Owns a cat named Miso')] }, { activeFacts: 1 }, '2026-04-01T10:00:00.000Z'));
      const { memory } = await store.load('ann');
      expect(memory.facts.map((f) => f.text)).toEqual(['Owns a cat named Miso']);
      const { items, skipped } = await store.archive.items('ann');
      expect(skipped).toBe(0);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ type: 'fact', revision: 2, item: { text: 'Likes green tea', status: 'active' } });
      const hits = await store.archive.search('ann', 'green tea', { limit: 5 });
      expect(hits[0]).toMatchObject({
        kind: 'fact',
        id: items[0].item.id,
        status: 'active',
        text: 'Likes green tea',
        sessionId: 's-2026-03-01',
        date: '2026-03-01T10:00:00.000Z',
        inMemoryFile: false,
      });
    });

    it('a search made before a fact is evicted still finds it afterwards, now as archived; one made before an undo no longer finds what the undo took out', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Likes green tea', 'low')] }, { activeFacts: 1 }));
      expect(await store.archive.search('ann', 'green tea', { limit: 5 })).toMatchObject([{ text: 'Likes green tea', inMemoryFile: true }]);
      await store.update('ann', merging({ add: [add('Owns a cat named Miso')] }, { activeFacts: 1 }, '2026-04-01T10:00:00.000Z'));
      expect(await store.archive.search('ann', 'green tea', { limit: 5 })).toMatchObject([{ text: 'Likes green tea', status: 'active', inMemoryFile: false }]);
      expect(await store.archive.search('ann', 'Miso', { limit: 5 })).toMatchObject([{ text: 'Owns a cat named Miso', inMemoryFile: true }]);
      await store.undo('ann');
      expect(await store.archive.search('ann', 'Miso', { limit: 5 })).toEqual([]);
      expect(await store.archive.search('ann', 'green tea', { limit: 5 })).toMatchObject([{ text: 'Likes green tea', inMemoryFile: true }]);
      await store.undo('ann'); // the undo undone: the tea fact is out of the file again, and archived
      expect(await store.archive.search('ann', 'green tea', { limit: 5 })).toMatchObject([{ text: 'Likes green tea', inMemoryFile: false }]);
    });

    it('history past its cap and a decision replaced on its topic are archived in their last state, not deleted', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Lives in Porto')], decisions: [{ topic: 'Database', decision: 'Postgres', quote: 'pg' }] }, {}));
      const porto = (await store.load('ann')).memory.facts[0];
      await store.update('ann', merging({ supersede: [{ id: porto.id, text: 'Lives in Lisbon', kind: 'fact', confidence: 'high', quote: 'Lisbon' }] }, { historyFacts: 0 }, '2026-03-02T10:00:00.000Z'));
      // The superseded fact stays in the file for the write that ended it, then leaves it at the next.
      expect((await store.archive.items('ann')).items).toEqual([]);
      await store.update('ann', merging({ decisions: [{ topic: 'Database', decision: 'SQLite', quote: 'sqlite' }] }, { historyFacts: 0 }, '2026-03-03T10:00:00.000Z'));
      const { memory } = await store.load('ann');
      expect(memory.facts.map((f) => [f.text, f.status])).toEqual([['Lives in Lisbon', 'active']]);
      expect(memory.decisions.map((d) => d.decision)).toEqual(['SQLite']);
      const archived = (await store.archive.items('ann')).items;
      expect(archived.map((a) => [a.type, a.revision])).toEqual([
        ['fact', 3],
        ['decision', 3],
      ]);
      expect(archived[0].item).toMatchObject({ id: porto.id, status: 'superseded', validTo: '2026-03-02T10:00:00.000Z', supersededBy: memory.facts[0].id });
      expect(archived[1].item).toMatchObject({ topic: 'Database', decision: 'Postgres' });
      const hits = await store.archive.search('ann', 'Porto', { limit: 5 });
      expect(hits.map((h) => [h.id, h.status, h.validTo])).toEqual([[porto.id, 'superseded', '2026-03-02T10:00:00.000Z']]);
    });

    it('undo archives nothing, and a fact an undo brings back into the file is the file\'s, not the archive\'s', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Likes green tea', 'low')] }, { activeFacts: 1 }));
      await store.update('ann', merging({ add: [add('Owns a cat named Miso')] }, { activeFacts: 1 }, '2026-04-01T10:00:00.000Z'));
      expect((await store.archive.items('ann')).items.map((a) => a.item.id)).toHaveLength(1);
      await store.undo('ann'); // the tea fact is back in the file; the cat fact leaves it, unarchived
      expect((await store.load('ann')).memory.facts.map((f) => f.text)).toEqual(['Likes green tea']);
      expect((await store.archive.items('ann')).items).toEqual([]);
      expect(await store.archive.search('ann', 'Miso', { limit: 5 })).toEqual([]);
      expect(await store.archive.search('ann', 'tea', { limit: 5 })).toMatchObject([{ text: 'Likes green tea', inMemoryFile: true }]);
    });

    it('keepSession moves a merged journal into episodic memory once: kept twice, it is still one session', async () => {
      const store = (await fresh()).open();
      const ref = await journal(store, 'ann', 's-keep', '2026-03-01T10:00:00.000Z', ['I adopted a dog called Rex', 'Congratulations!', 'thanks']);
      await store.archive.keepSession('ann', ref);
      expect(await store.journals.listPending('ann')).toEqual([]);
      expect(await store.journals.count('ann')).toBe(0);
      await store.archive.keepSession('ann', ref); // the journal is gone: nothing to do
      // The same session journaled again (re-extracted after a kill): kept once, the copy retired.
      const again = await journal(store, 'ann', 's-keep', '2026-03-01T10:00:00.000Z', ['something else']);
      await store.archive.keepSession('ann', again);
      expect(await store.journals.count('ann')).toBe(0);
      expect(await store.archive.sessions('ann')).toEqual([
        { sessionId: 's-keep', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:00:00.000Z', turns: 2, firstLine: 'I adopted a dog called Rex' },
      ]);
      const episode = await store.archive.readSession('ann', 's-keep');
      expect(episode?.turns.map((t) => t.text)).toEqual(['I adopted a dog called Rex', 'Congratulations!', 'thanks']);
    });

    it('a kept session reads back with its header, turns, and the recall and tool lines it journaled', async () => {
      const store = (await fresh()).open();
      const at = '2026-03-01T10:00:00.000Z';
      const j = await store.journals.open({ userId: 'ann', sessionId: 's-audit', model: 'claude-x', now: new Date(at) });
      j.append({ type: 'recall', at, ids: ['f_1'], tokens: 12 });
      j.append({ type: 'turn', role: 'user', text: 'What is my cat called?', at });
      j.append({ type: 'tool', at, id: 'tu_1', name: 'memory_search', input: { query: 'cat' }, result: 'Miso', isError: false });
      j.append({ type: 'turn', role: 'assistant', text: 'Miso.', at });
      await j.close();
      await store.archive.keepSession('ann', j.path);
      expect(await store.archive.readSession('ann', 's-audit')).toEqual({
        sessionId: 's-audit',
        userId: 'ann',
        startedAt: at,
        model: 'claude-x',
        turns: [
          { role: 'user', text: 'What is my cat called?', at },
          { role: 'assistant', text: 'Miso.', at },
        ],
        recalls: [{ beforeTurn: 0, ids: ['f_1'], tokens: 12 }],
        tools: [{ afterTurn: 1, name: 'memory_search', input: { query: 'cat' }, result: 'Miso', isError: false }],
      });
      expect(await store.archive.readSession('ann', 's-unknown')).toBeNull();
      expect(await store.archive.readSession('bob', 's-audit')).toBeNull();
    });

    it('search finds turns of kept sessions with their session id, role and date, next to archived facts', async () => {
      const backing = await fresh();
      const store = backing.open();
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-one', '2026-03-01T10:00:00.000Z', ['The pricing page needs a yearly plan', 'Noted.']));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-two', '2026-03-08T10:00:00.000Z', ['Lunch was great', 'Nice.']));
      const hits = await store.archive.search('ann', 'pricing page', { limit: 5 });
      expect(hits[0]).toMatchObject({ kind: 'turn', id: 's-one:0', sessionId: 's-one', role: 'user', date: '2026-03-01T10:00:00.000Z', text: 'The pricing page needs a yearly plan' });
      expect(await store.archive.search('ann', 'pricing', { limit: 5, kinds: ['fact'] })).toEqual([]);
      // Another instance (another process) sees what this one kept, and a session kept later.
      const other = backing.open();
      expect((await other.archive.search('ann', 'lunch', { limit: 5 })).map((h) => h.id)).toEqual(['s-two:0']);
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-three', '2026-03-09T10:00:00.000Z', ['Lunch again tomorrow']));
      expect((await other.archive.search('ann', 'lunch', { limit: 5 })).map((h) => h.id).sort()).toEqual(['s-three:0', 's-two:0']);
    });

    it('a search of a user with nothing kept, or of a query with no word, returns nothing', async () => {
      const store = (await fresh()).open();
      expect(await store.archive.search('nobody', 'anything', { limit: 5 })).toEqual([]);
      expect(await store.archive.items('nobody')).toEqual({ items: [], skipped: 0 });
      expect(await store.archive.sessions('nobody')).toEqual([]);
      await store.update('ann', adding(fact('f1', 'Likes tea')));
      expect(await store.archive.search('ann', '?!', { limit: 5 })).toEqual([]);
      expect(await store.archive.search('ann', 'coffee', { limit: 5 })).toEqual([]);
    });

    it('prune removes the sessions that started before the date, from episodic memory and search; the facts stay', async () => {
      const store = (await fresh()).open();
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-old', '2026-01-01T10:00:00.000Z', ['I visited Kyoto']));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-new', '2026-06-01T10:00:00.000Z', ['I visited Oslo']));
      await store.update('ann', adding(fact('f1', 'Visited Kyoto')));
      expect(await store.archive.search('ann', 'Kyoto', { limit: 5 })).toHaveLength(2);
      expect(await store.archive.prune('ann', new Date('2026-03-01T00:00:00.000Z'))).toBe(1);
      expect(await store.archive.prune('ann', new Date('2026-03-01T00:00:00.000Z'))).toBe(0);
      expect((await store.archive.sessions('ann')).map((s) => s.sessionId)).toEqual(['s-new']);
      expect(await store.archive.readSession('ann', 's-old')).toBeNull();
      expect((await store.archive.search('ann', 'Kyoto', { limit: 5 })).map((h) => h.kind)).toEqual(['fact']);
    });

    it('forget removes matching archived items and session turns, and search no longer finds them', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Owes money to Dave', 'low')] }, { activeFacts: 1 }));
      await store.update('ann', merging({ add: [add('Likes tea')] }, { activeFacts: 1 }, '2026-04-01T10:00:00.000Z'));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-dave', AT, ['I owe Dave money', 'ok', 'Tea is nice']));
      expect(await store.archive.search('ann', 'Dave', { limit: 5 })).toHaveLength(2);
      const dave = (text: string) => /dave/i.test(text);
      const removed = await store.archive.forget('ann', (item) => 'text' in item && dave(item.text), dave);
      expect(removed).toEqual({ items: 1, turns: 1 });
      expect((await store.archive.items('ann')).items).toEqual([]);
      expect((await store.archive.readSession('ann', 's-dave'))?.turns.map((t) => t.text)).toEqual(['ok', 'Tea is nice']);
      expect(await store.archive.search('ann', 'Dave', { limit: 5 })).toEqual([]);
      expect((await store.archive.search('ann', 'tea', { limit: 5 })).length).toBeGreaterThan(0);
      expect(await store.archive.forget('ann', () => false, dave)).toEqual({ items: 0, turns: 0 });
    });

    it('forgetAll removes the archive and kept sessions', async () => {
      const store = (await fresh()).open();
      await store.update('ann', merging({ add: [add('Likes green tea', 'low')] }, { activeFacts: 1 }));
      await store.update('ann', merging({ add: [add('Owns a cat')] }, { activeFacts: 1 }, '2026-04-01T10:00:00.000Z'));
      await store.archive.keepSession('ann', await journal(store, 'ann', 's-x', AT, ['green tea please']));
      expect(await store.archive.search('ann', 'green', { limit: 5 })).toHaveLength(2);
      await store.forgetAll('ann');
      expect(await store.archive.items('ann')).toEqual({ items: [], skipped: 0 });
      expect(await store.archive.sessions('ann')).toEqual([]);
      expect(await store.archive.search('ann', 'green', { limit: 5 })).toEqual([]);
    });

    it('a write that archives and then loses its lock archives nothing visible', async (ctx) => {
      const backing = await fresh();
      if (!backing.pausedWriter) return ctx.skip();
      const other = backing.open();
      await other.update('ann', adding(fact('x', 'Likes green tea')));
      const paused = backing.pausedWriter();
      // Archives x (it leaves the file) if it is still there when the write runs.
      const slow = paused.store.update('ann', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'x') }));
      await paused.reached;
      await paused.takeOverLock('ann');
      // Meanwhile x is forgotten (a purge archives nothing), at the revision the paused write wanted.
      await other.forget('ann', (item) => item.id === 'x');
      paused.resume();
      await slow.catch(() => undefined);
      expect((await other.load('ann')).memory.facts).toEqual([]);
      expect((await other.archive.items('ann')).items).toEqual([]);
      expect(await other.archive.search('ann', 'green tea', { limit: 5 })).toEqual([]);
    });
  });
}
