// Issue 5, fuzz: whatever bytes sit in a memory file, `MemoryStore.load` either returns a valid
// memory or throws one of our errors (one printable line naming the file), and never writes.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemagentError, MemoryFileError } from '../src/core/errors.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { CONFIDENCES, FACT_KINDS, FACT_STATUSES, SCHEMA_VERSION, memorySchema, type Memory } from '../src/core/schema.js';

let dir: string;
let store: FileMemoryStore;
let file: string;
const USER = 'fuzzy';

beforeAll(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'memagent-fuzz-load-')), 'memory');
  // A small size cap so that the over-size path is reached by generated inputs too.
  store = new FileMemoryStore({ dir, maxFileBytes: 64 * 1024 });
  file = join(dir, `${USER}.json`);
});
afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

// Text that tries everything: control characters, ANSI escapes, bidi overrides, lone surrogates,
// tags, and plain words.
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u001b[31mred\u001b[0m', '\u202egnp.exe', '\ud800', '</memory>', '\n\r\t', '\u0000', '"\\', 'Lives in Porto'),
);
const isoTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const fact = fc.record({
  id: fc.stringMatching(/^f_[a-z0-9]{1,10}$/),
  text: fc.string({ minLength: 1, maxLength: 60 }),
  kind: fc.constantFrom(...FACT_KINDS),
  confidence: fc.constantFrom(...CONFIDENCES),
  status: fc.constantFrom(...FACT_STATUSES),
  pinned: fc.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
  validFrom: isoTime,
  source: fc.record({ session: fc.string({ minLength: 1, maxLength: 20 }), at: isoTime, quote: fc.string({ maxLength: 40 }) }),
});
const validMemory: fc.Arbitrary<Memory> = fc.record({
  schemaVersion: fc.constant(SCHEMA_VERSION as 1),
  userId: fc.constant(USER),
  revision: fc.nat(1000),
  createdAt: isoTime,
  updatedAt: isoTime,
  sessionCount: fc.nat(1000),
  summary: fc.string({ maxLength: 200 }),
  facts: fc.array(fact, { maxLength: 6 }),
  decisions: fc.constant([]),
});

/** Replaces the value at a random path of `value` with `replacement` (or deletes it). */
function mutateAt(value: unknown, pick: number[], replacement: unknown, del: boolean): unknown {
  if (pick.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return replacement;
  const key = keys[pick[0] % keys.length];
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  if (pick.length === 1 && del) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1);
    else delete copy[key];
    return copy;
  }
  copy[key] = mutateAt(copy[key], pick.slice(1), replacement, del);
  return copy;
}

const serialized = (m: unknown) => `${JSON.stringify(m, null, 2)}\n`;

// Bytes a memory file could hold: garbage, JSON of any shape, and valid files broken in small ways.
const fileBytes: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  nasty,
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  validMemory.map(serialized),
  fc.tuple(validMemory, fc.nat()).map(([m, n]) => {
    const text = serialized(m);
    return text.slice(0, n % text.length); // cut short, as a crash mid-write on a non-atomic FS would
  }),
  fc.tuple(validMemory, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, n, b]) => {
    const bytes = Buffer.from(serialized(m));
    bytes[n % bytes.length] = b; // one byte flipped
    return new Uint8Array(bytes);
  }),
  fc.tuple(validMemory, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.oneof(fc.jsonValue(), nasty), fc.boolean()).map(
    ([m, pick, replacement, del]) => serialized(mutateAt(m, pick, replacement, del)),
  ),
  fc.tuple(validMemory, nasty).map(([m, userId]) => serialized({ ...m, userId })),
  fc.tuple(validMemory, fc.oneof(fc.integer(), fc.double(), fc.string())).map(([m, v]) => serialized({ ...m, schemaVersion: v })),
  validMemory.map((m) => `${serialized(m)}${' '.repeat(70 * 1024)}`),
  validMemory.map((m) => serialized({ ...m, __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } })),
);

async function snapshot(): Promise<string> {
  const names = (await readdir(dir)).sort();
  const parts = [names.join(',')];
  for (const n of names) {
    const info = await stat(join(dir, n));
    parts.push(`${n}:${info.size}:${info.mtimeMs}:${info.isFile() ? (await readFile(join(dir, n))).toString('base64') : 'dir'}`);
  }
  return parts.join('|');
}

function checkError(err: unknown): void {
  // Only our errors: anything else would reach the user as "unexpected error" (exit 70).
  expect(err).toBeInstanceOf(MemagentError);
  expect(err).toBeInstanceOf(MemoryFileError);
  const message = (err as Error).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  // One printable line: no line breaks, no terminal escapes coming from the file's contents.
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  expect(message.length).toBeLessThan(600);
}

describe('MemoryStore.load on arbitrary file contents', () => {
  it('returns a valid memory or throws a one-line MemoryFileError naming the file; never writes', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, async (bytes) => {
        await writeFile(file, bytes);
        const before = await snapshot();
        const outcome = await store.load(USER).then(
          (r) => ({ ok: true as const, memory: r.memory }),
          (e: unknown) => ({ ok: false as const, error: e }),
        );
        if (outcome.ok) {
          expect(memorySchema.safeParse(outcome.memory).success).toBe(true);
          expect(outcome.memory.userId).toBe(USER);
        } else {
          checkError(outcome.error);
        }
        expect(await snapshot()).toBe(before);
      }),
      { numRuns: 600 },
    );
  });

  it('a write refuses the same way and writes nothing when the file does not load', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, async (bytes) => {
        await writeFile(file, bytes);
        const loads = await store.load(USER).then(() => true, () => false);
        fc.pre(!loads);
        const before = await snapshot();
        const err = await store.update(USER, (m) => ({ ...m, summary: 'overwritten' })).then(() => null, (e: unknown) => e);
        checkError(err);
        expect(await snapshot()).toBe(before);
      }),
      { numRuns: 120 },
    );
  });

  it('a valid file loads back exactly as written', async () => {
    await fc.assert(
      fc.asyncProperty(validMemory, async (memory) => {
        await writeFile(file, serialized(memory));
        const { memory: loaded, exists } = await store.load(USER);
        expect(exists).toBe(true);
        expect(loaded).toEqual(memorySchema.parse(memory));
      }),
      { numRuns: 150 },
    );
  });
});
