/**
 * Encryption at rest (issue 13), measured on the real core: the save (`MemoryStore.update` with
 * the real `mergeMemory`) on a 60-active + 500-archived-fact memory, plaintext and encrypted,
 * interleaved; a journal append per turn (an encrypted journal is rewritten whole per line) at
 * growing journal sizes; and one seal + open of the memory file alone.
 *
 *   node encryption.js saves <dir> <iterations>
 *     Prints JSON { plain: ms[], encrypted: ms[], bytes: { plain, encrypted } }.
 *   node encryption.js journal <dir> <turns> <chars per turn>
 *     Prints JSON { plain: ms[], encrypted: ms[] }: the time of each append, in order.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ageCipher, parseIdentity, type FileCipher } from '../../src/core/storage/file/age-cipher.js';
import { generateIdentityFile } from '../../src/core/storage/file/age-identity.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { openJournal } from '../../src/core/storage/file/journal-writer.js';
import { makeMemory, serializeMemory, restoreAtRest, timedUpdate } from './kit.js';

async function cipher(): Promise<FileCipher> {
  return ageCipher(parseIdentity((await generateIdentityFile(new Date())).text));
}

async function saves(dir: string, iterations: number): Promise<void> {
  const c = await cipher();
  const fixture = serializeMemory(makeMemory('bench', 60, 500));
  const sealed = c.seal(fixture);
  const setups = [
    { name: 'plain', store: new FileMemoryStore({ dir: join(dir, 'plain') }), bytes: Buffer.from(fixture), out: [] as number[] },
    { name: 'encrypted', store: new FileMemoryStore({ dir: join(dir, 'encrypted'), cipher: c }), bytes: sealed, out: [] as number[] },
  ];
  for (const s of setups) {
    for (let i = 0; i < 5; i++) {
      restoreAtRest(join(s.store.dir, 'bench.json'), s.bytes);
      await timedUpdate(s.store, 'bench', 's_warmup', `Warm-up note ${i}.`);
    }
  }
  // Interleaved: both see the same disk and machine load. Each write re-reads bytes its store has
  // not validated yet (the fixture restored), as the first save of a session does.
  for (let i = 0; i < iterations; i++) {
    for (const s of i % 2 === 0 ? setups : [...setups].reverse()) {
      restoreAtRest(join(s.store.dir, 'bench.json'), s.bytes);
      s.out.push(await timedUpdate(s.store, 'bench', `s_${i}`, `Fresh note number ${i} about a new hobby.`));
    }
  }
  // The cipher alone, no disk: what encryption adds to a save (seal) and to a cold read (open).
  const seal: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < 50; i++) {
    let t0 = performance.now();
    const bytes = c.seal(fixture);
    seal.push(performance.now() - t0);
    t0 = performance.now();
    c.open('bench.json', bytes);
    open.push(performance.now() - t0);
  }
  process.stdout.write(`${JSON.stringify({ plain: setups[0].out, encrypted: setups[1].out, seal, open, bytes: { plain: Buffer.byteLength(fixture), encrypted: sealed.length } })}\n`);
}

async function journal(dir: string, turns: number, chars: number): Promise<void> {
  const c = await cipher();
  const out: Record<string, number[]> = { plain: [], encrypted: [] };
  const journals = await Promise.all(
    (['plain', 'encrypted'] as const).map(async (name) => {
      const d = join(dir, `journal-${name}`);
      mkdirSync(d, { recursive: true });
      return { name, j: await openJournal({ dir: d, userId: 'bench', sessionId: 's1', model: 'm', now: new Date(), ...(name === 'encrypted' ? { cipher: c } : {}) }) };
    }),
  );
  const text = 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);
  for (let i = 0; i < turns; i++) {
    for (const { name, j } of journals) {
      const t0 = performance.now();
      j.append({ type: 'turn', role: i % 2 === 0 ? 'user' : 'assistant', text, at: new Date().toISOString() });
      out[name].push(performance.now() - t0);
    }
  }
  await Promise.all(journals.map(({ j }) => j.close()));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'saves') await saves(args[0], Number(args[1]));
else if (mode === 'journal') await journal(args[0], Number(args[1]), Number(args[2]));
else {
  process.stderr.write('usage: encryption.js saves <dir> <n> | journal <dir> <turns> <chars>\n');
  process.exit(2);
}
