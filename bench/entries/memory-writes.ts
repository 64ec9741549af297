/**
 * Memory-write benchmark on the real core: `MemoryStore.update` (lock, re-read, validate, merge,
 * history copy, atomic write with fsync, unlock) around the real `mergeMemory`.
 *
 *   node memory-writes.js latency <dir> <iterations> <historical facts>
 *     One process, one user. Prints JSON { fresh: ms[], bare: ms[], steady: ms[], loaded: ms[], bytes }:
 *     `fresh` restores a 60-active + N-historical file before each (untimed) write; `loaded` does
 *     the same after an untimed `load` of it (the exit path); `steady` keeps writing the file the
 *     merge produced (history capped by MAX_HISTORY_FACTS); `bare` is a plain durable write of the
 *     same bytes (the floor), interleaved with `fresh` and `loaded`.
 *   node memory-writes.js writer <dir> <userId> <writer index> <writes>
 *     One of many concurrent writers: prints `ready`, waits for a line on stdin (the start gate),
 *     then makes <writes> updates, each adding the fact `writerFact(i, j)` and bumping
 *     sessionCount. Prints JSON { latencies: ms[], start, end } (epoch ms).
 */
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { makeMemory, serializeMemory, restoreAtRest, timedUpdate } from './kit.js';

/** The fact writer `i` adds on its `j`th write. The `w<i>n<j>x` token keeps any two apart for the near-duplicate test. */
export function writerFact(i: number, j: number): string {
  return `Writer ${i} note ${j}: remember code w${i}n${j}x.`;
}

/**
 * The floor under any durable write of the same bytes: temp file, write, fsync, rename, fsync of
 * the directory. No lock, no read, no validation, no history copy.
 */
async function bareWrite(dir: string, file: string, data: string): Promise<number> {
  const t0 = performance.now();
  const tmp = `${file}.bare.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  await handle.writeFile(data);
  await handle.sync();
  await handle.close();
  await rename(tmp, file);
  const d = await open(dir, 'r');
  await d.sync();
  await d.close();
  return performance.now() - t0;
}

async function latency(dir: string, iterations: number, historical: number): Promise<void> {
  const userId = 'bench';
  const store = new FileMemoryStore({ dir });
  const file = join(dir, `${userId}.json`);
  const fixture = serializeMemory(makeMemory(userId, 60, historical));
  const fresh: number[] = [];
  const bare: number[] = [];
  const steady: number[] = [];
  const loaded: number[] = [];
  const bytes = { fresh: Buffer.byteLength(fixture), steady: 0 };
  for (let i = 0; i < 5; i++) {
    restoreAtRest(file, fixture);
    await timedUpdate(store, userId, 's_warmup', `Warm-up note ${i}.`);
  }
  // Interleaved, so all three see the same disk and machine load. `fresh` re-reads bytes this
  // store has not validated yet (it last saw its own write); `loaded` follows a `load` of the same
  // bytes, as at exit, where the extraction loads the file before its model call.
  for (let i = 0; i < iterations; i++) {
    bare.push(await bareWrite(dir, file, fixture));
    restoreAtRest(file, fixture);
    fresh.push(await timedUpdate(store, userId, `s_fresh_${i}`, `Fresh note number ${i} about a new hobby.`));
    restoreAtRest(file, fixture);
    await store.load(userId);
    loaded.push(await timedUpdate(store, userId, `s_loaded_${i}`, `Loaded note number ${i} about a new hobby.`));
  }
  restoreAtRest(file, fixture);
  for (let i = 0; i < iterations; i++) {
    steady.push(await timedUpdate(store, userId, `s_steady_${i}`, `Steady note number ${i} about a new hobby.`));
  }
  const { memory } = await store.load(userId);
  bytes.steady = Buffer.byteLength(serializeMemory(memory));
  process.stdout.write(`${JSON.stringify({ fresh, bare, steady, loaded, bytes, facts: memory.facts.length })}\n`);
}

async function writer(dir: string, userId: string, index: number, writes: number): Promise<void> {
  const store = new FileMemoryStore({ dir });
  await store.load(userId); // warm the code paths a real extraction has warmed by then
  // Start gate: all writers start together when the parent writes a line to every stdin.
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.pause();
  const start = Date.now();
  const latencies: number[] = [];
  for (let j = 0; j < writes; j++) {
    latencies.push(await timedUpdate(store, userId, `s_writer_${index}_${j}`, writerFact(index, j)));
  }
  process.stdout.write(`${JSON.stringify({ latencies, start, end: Date.now() })}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'latency') await latency(args[0], Number(args[1]), Number(args[2]));
else if (mode === 'writer') await writer(args[0], args[1], Number(args[2]), Number(args[3]));
else {
  process.stderr.write('usage: memory-writes.js latency <dir> <n> <historical> | writer <dir> <user> <i> <writes>\n');
  process.exit(2);
}
