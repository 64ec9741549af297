/**
 * In-process helpers for bench/run.mjs, bundled by esbuild into the bench's temp dir: the fake
 * Messages API, its deterministic long answer, and memory-file fixtures validated against the
 * real schema (so `show` and the write benchmark read files the product accepts).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mergeMemory } from '../../src/core/merge.js';
import { memorySchema, SCHEMA_VERSION, type Fact, type Memory, type MergeOps } from '../../src/core/schema.js';
import type { FileMemoryStore } from '../../src/core/storage/file/file-store.js';

export { startFakeApi } from '../../src/fake-api/server.js';
export { longAnswer } from '../../src/fake-api/chat.js';
export { renderMemoryBlock } from '../../src/core/render.js';

const KINDS = ['preference', 'constraint', 'goal', 'entity', 'fact'] as const;
const TOPICS = ['tea', 'hiking', 'Rust', 'jazz', 'Porto', 'chess', 'cycling', 'Go', 'sushi', 'photography', 'sailing', 'TypeScript'];

/** A fact id `f_` + 10 base-36 chars, unique per (prefix, i). */
function id(prefix: string, i: number): string {
  return `${prefix}_${i.toString(36).padStart(10, '0')}`;
}

/**
 * A memory with `active` active facts and `historical` superseded/retracted ones, one-sentence
 * texts of realistic length, each with a source quote. Validated with `memorySchema` (throws if
 * the shape drifts from src/core/schema.ts).
 */
export function makeMemory(userId: string, active: number, historical: number, now = new Date('2025-06-01T12:00:00.000Z')): Memory {
  const facts: Fact[] = [];
  const t = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  for (let i = 0; i < active + historical; i++) {
    const isActive = i >= historical;
    const topic = TOPICS[i % TOPICS.length];
    const text = `The user ${isActive ? 'enjoys' : 'used to enjoy'} ${topic} (item ${i}) and mentions it when planning weekends with friends.`;
    const at = t((active + historical - i) * 90);
    facts.push({
      id: id('f', i),
      text,
      kind: KINDS[i % KINDS.length],
      confidence: i % 7 === 0 ? 'medium' : 'high',
      status: isActive ? 'active' : i % 2 ? 'superseded' : 'retracted',
      pinned: isActive && i % 20 === 0,
      createdAt: at,
      updatedAt: at,
      validFrom: at,
      ...(isActive ? {} : { validTo: at }),
      ...(isActive || i % 2 === 0 ? {} : { supersededBy: id('f', i + 1) }),
      source: { session: `s_bench_${i}`, at, quote: `I really like ${topic}, item ${i}` },
    });
  }
  const memory: Memory = {
    schemaVersion: SCHEMA_VERSION,
    userId,
    revision: 1,
    createdAt: t(100_000),
    updatedAt: t(1),
    sessionCount: 40,
    summary: 'The user is a software engineer in Porto who likes tea, hiking and jazz, and is building a terminal chat agent.',
    facts,
    decisions: Array.from({ length: 8 }, (_, i) => ({
      id: id('d', i),
      topic: `topic ${i}`,
      decision: `Chose option ${i} for the project after comparing it with the alternatives.`,
      date: t(i * 600),
      source: { session: `s_bench_d${i}`, at: t(i * 600), quote: `let's go with option ${i}` },
    })),
  };
  return memorySchema.parse(memory);
}

/** The on-disk form the store writes (pretty JSON + newline). */
export function serializeMemory(memory: Memory): string {
  return `${JSON.stringify(memory, null, 2)}\n`;
}

/**
 * Puts a fixture back as a file at rest: written and fsynced (untimed), as every memory file
 * memagent wrote is. Without the fsync the next timed write would also pay for flushing these
 * bytes (the history version is the replaced file, and its data is made durable), which the bare
 * write it is compared with never does.
 */
export function restoreAtRest(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The merge ops of one session that adds the fact `text` (and rewrites the summary around it). */
function addOps(text: string): MergeOps {
  return { summary: `The user is a software engineer; last note: ${text}`, add: [{ text, kind: 'fact', confidence: 'high', quote: text }], update: [], supersede: [], retract: [], decisions: [] };
}

/**
 * One session's save through `store`: the real `mergeMemory` adding the fact `text` under the
 * store's lock, as at exit. Returns its wall time, ms.
 */
export async function timedUpdate(store: FileMemoryStore, userId: string, sessionId: string, text: string): Promise<number> {
  const t0 = performance.now();
  await store.update(userId, (current) => {
    const merged = mergeMemory(current, addOps(text), { sessionId, now: new Date() });
    return { ...merged.memory, sessionCount: current.sessionCount + 1 };
  });
  return performance.now() - t0;
}
