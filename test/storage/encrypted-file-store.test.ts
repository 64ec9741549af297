/**
 * The file store with encryption at rest: nothing a user said is readable in the memory dir
 * without the identity, mixed plaintext/age dirs read correctly and convert both ways, and a
 * missing or wrong identity or a tampered file is reported without anything being overwritten.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFileError } from '../../src/core/errors.js';
import type { Fact, Memory } from '../../src/core/schema.js';
import { forgetEverywhere } from '../../src/core/services/forget.js';
import { CipherError, PLAINTEXT, ageCipher, isAgeFile, parseIdentity, type FileCipher } from '../../src/core/storage/file/age-cipher.js';
import { generateIdentityFile } from '../../src/core/storage/file/age-identity.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { makeFact } from '../helpers/memory.js';
import { hasAge } from '../helpers/age.js';

const T0 = new Date('2026-12-02T10:00:00.000Z');
let tmp: string;
let identityText: string;
let cipher: FileCipher;
let otherCipher: FileCipher;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-enc-store-'));
  identityText = (await generateIdentityFile(T0)).text;
  cipher = ageCipher(parseIdentity(identityText));
  otherCipher = ageCipher(parseIdentity((await generateIdentityFile(T0)).text));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function freshDir(): Promise<string> {
  return join(await mkdtemp(join(tmp, 'case-')), 'memory');
}

function store(dir: string, c: FileCipher = cipher): FileMemoryStore {
  let tick = 0;
  return new FileMemoryStore({ dir, cipher: c, now: () => new Date(T0.getTime() + 1000 * tick++) });
}

const fact = (id: string, text: string): Fact => makeFact(id, text, T0.toISOString(), { kind: 'fact' });
const add = (f: Fact) => (m: Memory): Memory => ({ ...m, facts: [...m.facts, f] });

/** Every regular file under `dir` (recursively) with its bytes. */
async function allFiles(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

/** The files under `dir` in which any of `needles` appears in plain text. */
async function plaintextHits(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const { path, bytes } of await allFiles(dir)) {
    const text = bytes.toString('utf8').toLowerCase();
    for (const n of needles) if (text.includes(n.toLowerCase())) hits.push(`${path}: ${n}`);
  }
  return hits;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('file store with encryption at rest', () => {
  it('keeps no fact, name or typed text readable after saves, undo, journals, input history and forget', async () => {
    const dir = await freshDir();
    const s = store(dir);
    await s.update('alice', add(fact('f1', 'Alice lives in Zurich')));
    await s.update('alice', add(fact('f2', 'Alice prefers oat milk')));
    await s.update('alice', add(fact('f3', 'Alice decided on Postgres')));
    await s.undo('alice');
    const journal = await s.journals.open({ userId: 'alice', sessionId: 's1', model: 'm', now: T0 });
    journal.append({ type: 'turn', role: 'user', text: 'my bank PIN hint is marmalade', at: T0.toISOString() });
    journal.append({ type: 'turn', role: 'assistant', text: 'noted, marmalade', at: T0.toISOString() });
    const { history } = await s.inputHistory.open('alice');
    await history.append('the vault word is marmalade', ['the vault word is marmalade']);
    await history.append('Zurich again', ['the vault word is marmalade', 'Zurich again']);

    expect(await plaintextHits(dir, ['Zurich', 'oat milk', 'Postgres', 'Alice lives', 'marmalade'])).toEqual([]);
    for (const { path, bytes } of await allFiles(dir)) {
      if (!path.includes('.lock')) expect(isAgeFile(bytes), path).toBe(true);
    }
    // Everything reads back.
    expect((await s.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Alice lives in Zurich', 'Alice prefers oat milk']);
    const read = await s.journals.read(journal.path);
    expect(read.turns.map((t) => t.text)).toEqual(['my bank PIN hint is marmalade', 'noted, marmalade']);
    expect((await store(dir).inputHistory.open('alice')).entries).toEqual(['the vault word is marmalade', 'Zurich again']);

    // Forget reaches every encrypted copy: decrypting everything finds the word nowhere.
    await forgetEverywhere(s, 'alice', { text: 'Zurich' });
    await forgetEverywhere(s, 'alice', { text: 'marmalade' });
    await journal.close();
    for (const { path, bytes } of await allFiles(dir)) {
      if (path.includes('.lock')) continue;
      const plain = cipher.open(path, bytes).toString('utf8');
      expect(plain, path).not.toContain('Zurich');
      expect(plain, path).not.toContain('marmalade');
      expect(isAgeFile(bytes), path).toBe(true);
    }
    expect((await s.load('alice')).memory.facts.map((f) => f.text)).toEqual(['Alice prefers oat milk']);
  });

  it('keeps the archive (removed items, kept sessions, the search index) encrypted, searchable and forgettable', async () => {
    const dir = await freshDir();
    const s = store(dir);
    await s.update('hal', add(fact('f1', 'Hal sails a catamaran')));
    await s.update('hal', add(fact('f2', 'Hal grows saffron')));
    // A write that removes a fact from the memory file archives it.
    await s.update('hal', (m) => ({ ...m, facts: m.facts.filter((f) => f.id !== 'f1') }));
    const j = await s.journals.open({ userId: 'hal', sessionId: 's1', model: 'm', now: T0 });
    j.append({ type: 'turn', role: 'user', text: 'the catamaran is called Petrel', at: T0.toISOString() });
    await j.close();
    await s.archive.keepSession('hal', j.path);
    const hits = await store(dir).archive.search('hal', 'catamaran', { limit: 10 });
    expect(hits.length).toBeGreaterThanOrEqual(2);
    const files = (await allFiles(dir)).filter((f) => f.path.includes('/archive/') && !f.path.endsWith('epoch'));
    expect(files.map((f) => f.path.split('/archive/hal/')[1]).sort()).toEqual(expect.arrayContaining(['index.json', 'sessions/s1.jsonl']));
    expect(files.some((f) => f.path.includes('/items/'))).toBe(true);
    for (const f of files) expect(isAgeFile(f.bytes), f.path).toBe(true);
    expect(await plaintextHits(dir, ['catamaran', 'Petrel', 'saffron'])).toEqual([]);
    await forgetEverywhere(s, 'hal', { text: 'catamaran' });
    for (const { path, bytes } of await allFiles(dir)) {
      if (path.includes('.lock') || path.endsWith('epoch')) continue;
      expect(cipher.open(path, bytes).toString('utf8'), path).not.toContain('catamaran');
    }
    expect(await store(dir).archive.search('hal', 'catamaran', { limit: 10 })).toEqual([]);
  });

  it('reads a mixed dir (plaintext written before encryption was on) and converts it both ways, resumably', async () => {
    const dir = await freshDir();
    const plain = store(dir, PLAINTEXT);
    await plain.update('bob', add(fact('f1', 'Bob plays the oboe')));
    await plain.update('bob', add(fact('f2', 'Bob lives in Porto')));
    const j = await plain.journals.open({ userId: 'bob', sessionId: 's1', model: 'm', now: T0 });
    j.append({ type: 'turn', role: 'user', text: 'oboe lessons on Friday', at: T0.toISOString() });
    await j.close();

    const enc = store(dir);
    await enc.update('bob', add(fact('f3', 'Bob drinks green tea')));
    const mixed = await enc.encryptionState('bob');
    expect(mixed.encrypted).toBeGreaterThan(0);
    expect(mixed.plaintext).toBeGreaterThan(0);
    expect((await enc.load('bob')).memory.facts).toHaveLength(3);
    expect((await enc.journals.read(j.path)).turns[0]?.text).toBe('oboe lessons on Friday');

    const first = await enc.convertEncryption('bob', true);
    expect(first.failed).toEqual([]);
    expect(first.converted).toBe(mixed.plaintext);
    expect(await enc.encryptionState('bob')).toEqual({ encrypted: mixed.encrypted + mixed.plaintext, plaintext: 0 });
    expect(await plaintextHits(dir, ['oboe', 'Porto', 'green tea'])).toEqual([]);
    // Running it again finishes nothing more and breaks nothing.
    const again = await enc.convertEncryption('bob', true);
    expect(again.converted).toBe(0);
    expect(again.already).toBe(mixed.encrypted + mixed.plaintext);
    expect((await enc.undo('bob')).after.facts).toHaveLength(2);

    const back = await enc.convertEncryption('bob', false);
    expect(back.failed).toEqual([]);
    expect((await enc.encryptionState('bob')).encrypted).toBe(0);
    const reader = store(dir, PLAINTEXT);
    expect((await reader.load('bob')).memory.facts.map((f) => f.text)).toEqual(['Bob plays the oboe', 'Bob lives in Porto']);
    expect((await reader.journals.read(j.path)).turns[0]?.text).toBe('oboe lessons on Friday');
  });

  it('without an identity, an encrypted memory is one error naming the file, and nothing is overwritten', async () => {
    const dir = await freshDir();
    await store(dir).update('carol', add(fact('f1', 'Carol is a pilot')));
    const file = join(dir, 'carol.json');
    const before = await readFile(file);
    const noKey = store(dir, PLAINTEXT);
    const err = await errorOf(noKey.load('carol'));
    expect(err).toBeInstanceOf(CipherError);
    expect((err as CipherError).failure).toBe('no-identity');
    expect((err as Error).message).toBe(`${file}: is encrypted (age) and no identity is configured: set MEMAGENT_IDENTITY_FILE to the age identity it was encrypted to (or put that identity at identity.txt in memagent's config dir); nothing was changed`);
    expect(await errorOf(noKey.update('carol', add(fact('f2', 'x'))))).toBeInstanceOf(CipherError);
    expect(await errorOf(noKey.restore('carol'))).toBeInstanceOf(CipherError);
    expect((await readFile(file)).equals(before)).toBe(true);
    expect((await readdir(dir)).filter((n) => n.includes('corrupt'))).toEqual([]);
  });

  it('with the wrong identity, the error names the file and the configured public key; nothing is overwritten', async () => {
    const dir = await freshDir();
    await store(dir).update('dave', add(fact('f1', 'Dave keeps bees')));
    const file = join(dir, 'dave.json');
    const before = await readFile(file);
    const wrong = store(dir, otherCipher);
    const err = await errorOf(wrong.update('dave', add(fact('f2', 'y'))));
    expect((err as CipherError).failure).toBe('not-ours');
    expect((err as Error).message).toContain(otherCipher.recipient!);
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((await readFile(file)).equals(before)).toBe(true);
    expect((await wrong.listUsers())[0]?.error).toContain('another age identity');
  });

  it('a bit-flipped or truncated memory file is a corrupt file: reported with the restore hint, never overwritten, restorable', async () => {
    const dir = await freshDir();
    const s = store(dir);
    await s.update('erin', add(fact('f1', 'Erin runs marathons')));
    await s.update('erin', add(fact('f2', 'Erin lives in Oslo')));
    const file = join(dir, 'erin.json');
    const bytes = await readFile(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20] ^= 0x04;
    for (const damaged of [flipped, bytes.subarray(0, bytes.length - 7)]) {
      await writeFile(file, damaged);
      const fresh = store(dir);
      const err = await errorOf(fresh.load('erin'));
      expect(err).toBeInstanceOf(MemoryFileError);
      expect((err as Error).message).toMatch(/cannot be decrypted: .*fails authentication|truncated/);
      expect((err as Error).message).toContain('memagent restore --user erin');
      expect(await errorOf(fresh.update('erin', add(fact('f3', 'z'))))).toBeInstanceOf(MemoryFileError);
      expect((await readFile(file)).equals(damaged)).toBe(true);
    }
    const restored = await store(dir).restore('erin');
    expect(restored.movedAside).toBeDefined();
    expect((await readFile(restored.movedAside!)).equals(bytes.subarray(0, bytes.length - 7))).toBe(true);
    expect(restored.after.facts.map((f) => f.text)).toContain('Erin runs marathons');
  });

  it("a killed append's temp file (it may hold the next version of the journal) and line lock go with forget and retire", async () => {
    const dir = await freshDir();
    const s = store(dir);
    const jdir = join(dir, 'journal', 'ivy');
    for (const retireIt of [false, true]) {
      const j = await s.journals.open({ userId: 'ivy', sessionId: `s${retireIt}`, model: 'm', now: T0 });
      j.append({ type: 'turn', role: 'user', text: 'the gate code is 4471', at: T0.toISOString() });
      await j.close();
      // What a SIGKILL during the next append leaves: its temp file and its lock, both of a dead pid.
      const name = j.path.split('/').pop()!;
      const temp = join(jdir, `.${name}.4194400.0123456789ab.tmp`);
      await writeFile(temp, cipher.seal('{"type":"turn","text":"the gate code is 4471"}\n'));
      await writeFile(join(jdir, `.${name}.rw-lock`), '4194400');
      if (retireIt) await s.journals.retire(j.path);
      else await forgetEverywhere(s, 'ivy', { text: 'nothing-matches-this' });
      const left = await readdir(jdir);
      expect(left.filter((n) => n.endsWith('.tmp'))).toEqual([]);
      if (retireIt) expect(left.filter((n) => n.startsWith(`.${name}`))).toEqual([]);
    }
  });

  it('a tampered journal is quarantined, not read and not deleted', async () => {
    const dir = await freshDir();
    const s = store(dir);
    const j = await s.journals.open({ userId: 'fay', sessionId: 's1', model: 'm', now: T0 });
    j.append({ type: 'turn', role: 'user', text: 'hello', at: T0.toISOString() });
    await j.close();
    const bytes = await readFile(j.path);
    bytes[bytes.length - 1] ^= 1;
    await writeFile(j.path, bytes);
    const err = await errorOf(s.journals.read(j.path));
    expect((err as Error).message).toMatch(/fails authentication/);
    const moved = join(dir, 'journal', 'fay', 'quarantine', 's1.jsonl');
    expect((await readFile(moved)).equals(bytes)).toBe(true);
  });

  it.skipIf(!hasAge())('the memory file, a version, a journal and the input history decrypt with `age -d -i`', async () => {
    const dir = await freshDir();
    const s = store(dir);
    await s.update('gus', add(fact('f1', 'Gus collects stamps')));
    await s.update('gus', add(fact('f2', 'Gus lives in Lyon')));
    const j = await s.journals.open({ userId: 'gus', sessionId: 's1', model: 'm', now: T0 });
    j.append({ type: 'turn', role: 'user', text: 'stamps from Lyon', at: T0.toISOString() });
    await j.close();
    const { history } = await s.inputHistory.open('gus');
    await history.append('stamps!', ['stamps!']);
    const id = join(tmp, 'identity.txt');
    await writeFile(id, identityText, { mode: 0o600 });
    const dec = (p: string) => execFileSync('age', ['-d', '-i', id, p]).toString();
    expect(JSON.parse(dec(join(dir, 'gus.json'))).facts).toHaveLength(2);
    expect(JSON.parse(dec(join(dir, 'history', 'gus', '0000000001.json'))).facts).toHaveLength(1);
    expect(dec(j.path)).toContain('"stamps from Lyon"');
    expect(dec(join(dir, 'history', 'gus', 'input-history.jsonl'))).toBe('"stamps!"\n');
    expect((await stat(join(dir, 'gus.json'))).mode & 0o777).toBe(0o600);
  });
});
