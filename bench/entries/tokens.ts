/**
 * Token bill of memory, in-process on the real core (`ChatSession`, `createModelClient`,
 * `MemoryStore`, extraction and merge) against an in-process fake Messages API.
 *
 *   node tokens.js <dir> <sessions>
 *
 * Simulates <sessions> sessions of one user, one simulated day apart. Each session says a few
 * "I like / I love / I use …" sentences (the fake's default extraction turns each into a fact),
 * sometimes a decision and a single-valued fact that supersedes the previous one, then ends with
 * the extraction pass. Prints one JSON line per session: the memory block the model was sent
 * (read from the fake's recorded request), the memory file's size and fact counts. 10-turn
 * incognito sessions (after session 10, after the last one, and for a new user) print the
 * prompt-cache usage of each turn.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ChatSession } from '../../src/core/chat-session.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';
import { createModelClient } from '../../src/core/model.js';
import { estimateTokens } from '../../src/core/render.js';
import { startFakeApi } from '../../src/fake-api/server.js';

const BUDGET = 2000;
const THINGS = ['tea', 'jazz', 'Rust', 'hiking', 'chess', 'sushi', 'sailing', 'Go', 'opera', 'climbing', 'Haskell', 'ramen', 'tango', 'Lisbon', 'kayaks', 'Vim'];
const COLORS = ['green', 'blue', 'red', 'amber', 'teal'];

const [dir, sessionsArg] = process.argv.slice(2);
const sessions = Number(sessionsArg ?? 100);
const userId = 'tokens';
const fake = await startFakeApi({});
const day0 = Date.parse('2025-01-01T09:00:00.000Z');
let clock = day0;
const now = () => new Date(clock);
const store = new FileMemoryStore({ dir, now });
const model = createModelClient({ apiKey: 'bench-key', baseURL: fake.url, maxRetries: 0 });
const options = (user: string) => ({
  userId: user,
  model: 'claude-sonnet-5-5',
  extractModel: 'claude-haiku-5-5',
  memoryBudgetTokens: BUDGET,
  maxTokens: 8192,
  incognito: false,
  now,
});

function memoryBlock(system: unknown): string {
  const text = Array.isArray(system) ? system.map((b: { text?: string }) => b.text ?? '').join('\n') : String(system ?? '');
  const open = text.indexOf('<memory>');
  const close = text.indexOf('</memory>');
  return open < 0 || close < 0 ? '' : text.slice(open, close + '</memory>'.length);
}

function dirBytes(path: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  try {
    for (const name of readdirSync(path, { recursive: true }) as string[]) {
      const info = statSync(join(path, name));
      if (info.isFile()) {
        files++;
        bytes += info.size;
      }
    }
  } catch {
    // missing dir: 0
  }
  return { files, bytes };
}

/** A 10-turn session; returns each turn's usage. */
async function tenTurns(user: string): Promise<Array<{ input: number; cacheRead: number; cacheWrite: number; output: number }>> {
  const session = await ChatSession.start(store, model, { ...options(user), incognito: true });
  const turns = [];
  for (let t = 1; t <= 10; t++) {
    const outcome = await session.send(`Question ${t}: what should I cook tonight, given what you know? Please keep it short.`, () => {});
    if (outcome.type !== 'done') throw new Error(`cache session turn ${t} failed`);
    turns.push({ input: outcome.usage.inputTokens, cacheRead: outcome.usage.cacheReadTokens, cacheWrite: outcome.usage.cacheWriteTokens, output: outcome.usage.outputTokens });
  }
  return turns;
}
for (let s = 1; s <= sessions; s++) {
  clock = day0 + s * 86_400_000;
  const thing = (k: number) => `${THINGS[(s * 3 + k) % THINGS.length]} number ${s}-${k}`;
  const lines = [`I like ${thing(0)}. I love ${thing(1)}. I use ${thing(2)} at work.`, 'Thanks, that helps a lot.'];
  if (s % 3 === 0) lines.push(`My favorite color is ${COLORS[s % COLORS.length]}. Let's go with ${thing(3)} for the garden.`);
  const first = fake.requests.length;
  const session = await ChatSession.start(store, model, options(userId));
  for (const line of lines) {
    const outcome = await session.send(line, () => {});
    if (outcome.type !== 'done') throw new Error(`session ${s}: turn failed: ${outcome.type}`);
  }
  const outcome = await session.finish();
  const chat = fake.requests.slice(first).find((r) => !r.body?.output_config);
  const block = memoryBlock(chat?.body?.system);
  const systemText = Array.isArray(chat?.body?.system) ? chat.body.system.map((b: { text: string }) => b.text).join('\n') : '';
  const { memory } = await store.load(userId);
  const omitted = /\((\d+) more items? omitted/.exec(block)?.[1];
  process.stdout.write(
    `${JSON.stringify({
      type: 'session',
      session: s,
      blockTokens: estimateTokens(block),
      blockLines: block.split('\n').filter((l) => l.startsWith('- ')).length,
      omitted: omitted ? Number(omitted) : 0,
      systemTokens: estimateTokens(systemText),
      fileBytes: statSync(join(dir, `${userId}.json`)).size,
      active: memory.facts.filter((f) => f.status === 'active').length,
      history: memory.facts.filter((f) => f.status !== 'active').length,
      decisions: memory.decisions.length,
      summaryChars: memory.summary.length,
      changes: outcome?.changes.length ?? 0,
      historyDir: dirBytes(join(dir, 'history', userId)),
      journalDir: dirBytes(join(dir, 'journal', userId)),
    })}\n`,
  );
  if (s === 10) process.stdout.write(`${JSON.stringify({ type: 'cache', who: 'after 10 sessions', turns: await tenTurns(userId) })}\n`);
}

clock += 86_400_000;
process.stdout.write(`${JSON.stringify({ type: 'cache', who: `full memory (after ${sessions} sessions)`, turns: await tenTurns(userId) })}\n`);
process.stdout.write(`${JSON.stringify({ type: 'cache', who: 'new user', turns: await tenTurns('newcomer') })}\n`);
await fake.close();
