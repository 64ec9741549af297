// Issue 13: a session appending to its journal in one process while `encrypt`, `decrypt` and
// `forget` rewrite that same journal in another loses no line and keeps no forgotten one.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageCipher, parseIdentity } from '../src/core/storage/file/age-cipher.js';
import { generateIdentityFile } from '../src/core/storage/file/age-identity.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';

const testDir = dirname(fileURLToPath(import.meta.url));
let tmp: string;
let child: string;

// A session's journal, written by the real journal writer in a plain `node` child.
const CHILD_SOURCE = `
  import { readFileSync } from 'node:fs';
  import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
  import { ageCipher, parseIdentity } from '../src/core/storage/file/age-cipher.js';
  const [dir, identityFile, n] = process.argv.slice(2);
  const store = new FileMemoryStore({ dir, cipher: ageCipher(parseIdentity(readFileSync(identityFile, 'utf8'))) });
  (async () => {
    const j = await store.journals.open({ userId: 'kim', sessionId: 's1', model: 'm', now: new Date() });
    process.stdout.write(j.path + '\\n');
    for (let i = 0; i < Number(n); i++) {
      j.append({ type: 'turn', role: 'user', text: (i % 10 === 3 ? 'secret heron ' : 'line ') + i, at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 2));
    }
    await j.close();
    process.stdout.write('done\\n');
  })().catch((e) => { process.stderr.write(String(e && e.message) + '\\n'); process.exit(1); });
`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-enc-conc-'));
  child = join(tmp, 'journal-child.cjs');
  await build({ stdin: { contents: CHILD_SOURCE, resolveDir: testDir, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: child, logLevel: 'error' });
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('a journal rewritten by another process while a session appends to it', () => {
  it('encrypt, decrypt and forget running meanwhile lose no line and leave no forgotten one', async () => {
    const dir = join(tmp, 'memory');
    const { text } = await generateIdentityFile(new Date());
    const identityFile = join(tmp, 'identity.txt');
    await writeFile(identityFile, text, { mode: 0o600 });
    const store = new FileMemoryStore({ dir, cipher: ageCipher(parseIdentity(text)) });
    const N = 150;
    const proc = spawn(process.execPath, [child, dir, identityFile, String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((done) => proc.on('close', done));
    let rounds = 0;
    let forgotten = 0;
    while (!out.includes('done') && proc.exitCode === null) {
      await store.convertEncryption('kim', rounds % 2 === 1);
      forgotten += await store.journals.forget('kim', 'heron');
      rounds++;
    }
    expect(await exited, err).toBe(0);
    const path = out.split('\n')[0];
    const turns = (await store.journals.read(path)).turns.map((t) => t.text);
    // Every line the session wrote is there, in order, but the ones forgotten while it ran (a
    // forget removes what it finds; a heron line written after the last forget stays).
    const expected = Array.from({ length: N }, (_, i) => (i % 10 === 3 ? `secret heron ${i}` : `line ${i}`));
    expect(turns.filter((t) => t.startsWith('line '))).toEqual(expected.filter((t) => t.startsWith('line ')));
    expect(turns.length + forgotten).toBe(N);
    expect(rounds).toBeGreaterThan(3);
  }, 120_000);
});
