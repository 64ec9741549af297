// A real ChatSession for in-process tests: a FileMemoryStore in a fresh temp dir and the real SDK
// against the fake API. One copy for the REPL, tool and privacy tests.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChatSession, type SessionOptions } from '../../src/core/chat-session.js';
import { createModelClient } from '../../src/core/model.js';
import { FileMemoryStore } from '../../src/core/storage/file/file-store.js';

/**
 * Starts a session of user `alice` (chat model claude-sonnet-5-5, extraction claude-haiku-5-5,
 * 2,000 memory tokens, 4,096 answer tokens) over a new store in a temp dir named after `prefix`;
 * `options` override any of those. `maxRetries` is the model client's (default 0).
 */
export async function startTestSession(
  baseURL: string,
  prefix: string,
  options: Partial<SessionOptions> = {},
  client: { maxRetries?: number } = {},
): Promise<{ dir: string; store: FileMemoryStore; session: ChatSession }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const store = new FileMemoryStore({ dir });
  const model = createModelClient({ apiKey: 'test-key', baseURL, maxRetries: client.maxRetries ?? 0 });
  const session = await ChatSession.start(store, model, {
    userId: 'alice',
    model: 'claude-sonnet-5-5',
    extractModel: 'claude-haiku-5-5',
    memoryBudgetTokens: 2000,
    maxTokens: 4096,
    incognito: false,
    now: () => new Date(),
    ...options,
  });
  return { dir, store, session };
}

/** Polls `read` until `ok`, every 10 ms; fails with the last value after `ms`. */
export async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value:\n${String(v).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
