/**
 * The composition root: the one place that turns a resolved `Config` into the services commands
 * use (the memory store with its journals and input history, the model client), once per
 * command. Commands receive `Services`; they never construct a store or name a path. A
 * PostgreSQL store is chosen here when `config.databaseUrl` is set.
 */
import { lazyModelClient, type FileCipher, type LazyModelClient, type InputHistorySource, type MemoryStore } from '../core/index.js';
import { writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FileMemoryStore, type FileMemoryStoreOptions } from '../core/storage/file/index.js';
import { DatabaseUnavailableError, PostgresMemoryStore, unavailableStore } from '../core/storage/postgres/index.js';
import { requireApiKey, type Config } from './config.js';

/** What a command works with. Built by `compose`; cheap (no model code is loaded until used). */
export interface Services {
  readonly config: Config;
  /**
   * The memory store: files under `config.memoryDir`, or with `config.databaseUrl` the PostgreSQL
   * store (connected on first use), whose journals and input history stay under `config.memoryDir`.
   */
  readonly store: MemoryStore;
  /**
   * The model client, created on the first call (later calls return the same one). The SDK is
   * compiled on its first request or `preload()`, not before.
   * @throws ConfigError when `ANTHROPIC_API_KEY` is not set (exit 1).
   */
  model(): LazyModelClient;
  /** `userId`'s input history as the REPL's prompt reads and appends it. */
  inputHistory(userId: string): InputHistorySource;
  /**
   * The store a chat uses, after reading `userId`'s memory once: `store` itself, or, when its
   * database is down (`DatabaseUnavailableError`), a stand-in over the local journals that
   * starts the chat without memory and defers the extraction to the next run; `unavailable` is
   * then the one line saying why (it names the host, never the password).
   * @throws every other error of `store.load` (corrupt memory, wrong password, missing database…).
   */
  chatStore(userId: string): Promise<{ store: MemoryStore; unavailable?: string }>;
  /**
   * Another store, for `migrate --to`: a `postgres://` URL gives the PostgreSQL store (its
   * journals in a private temp dir: migrate only passes sessions through them), anything else is
   * a memory dir (created, 0o700, on first write).
   */
  storeAt(target: string): MemoryStore;
}

/** How a command uses its services. */
export interface ComposeOptions {
  /** A command that only reads (`show`, `export`): the memory dir is never created; a missing one reads as empty. */
  readOnly?: boolean;
  /** Encryption at rest of the memory dir's files (identity.ts `loadCipher`); default plaintext. */
  cipher?: FileCipher;
}

/**
 * Builds the services of one command from `config`. The store is built (and, unless `readOnly`,
 * the memory dir created, 0o700) on first use of `store`, which throws the fs error if the dir
 * cannot be created.
 */
export function compose(config: Config, opts: ComposeOptions = {}): Services {
  let store: MemoryStore | undefined;
  let model: LazyModelClient | undefined;
  return {
    config,
    // Built on first use, so a command that fails its checks first (no API key) creates no dir.
    get store() {
      if (store) return store;
      const files = new FileMemoryStore({
        dir: config.memoryDir,
        historyLimit: config.historyVersions,
        archiveDays: config.archiveDays,
        ...testTuning(config),
        createDir: !opts.readOnly,
        ...(opts.cipher ? { cipher: opts.cipher } : {}),
      });
      store = config.databaseUrl ? new PostgresMemoryStore({ url: config.databaseUrl, local: files, historyLimit: config.historyVersions, archiveDays: config.archiveDays }) : files;
      return store;
    },
    model() {
      if (model) return model;
      const apiKey = requireApiKey(config);
      model = lazyModelClient(async () => {
        const { createModelClient } = await import('../core/model.js');
        return createModelClient({ apiKey, baseURL: config.baseURL, maxRetries: config.maxRetries, timeoutMs: config.requestTimeoutMs });
      });
      return model;
    },
    inputHistory(userId) {
      return { open: () => this.store.inputHistory.open(userId) };
    },
    storeAt(target) {
      if (/^postgres(ql)?:\/\//.test(target)) {
        // The copied sessions pass through journals: a private temp dir, so the memory dir (maybe the source) is not touched.
        const local = new FileMemoryStore({ dir: join(tmpdir(), `memagent-migrate-${process.pid}-${Date.now()}`), createDir: true });
        return new PostgresMemoryStore({ url: target, local, historyLimit: config.historyVersions });
      }
      return new FileMemoryStore({ dir: resolve(target), historyLimit: config.historyVersions, createDir: true });
    },
    async chatStore(userId) {
      const chosen = this.store;
      try {
        await chosen.load(userId);
        return { store: chosen };
      } catch (err) {
        if (!(err instanceof DatabaseUnavailableError) || !(chosen instanceof PostgresMemoryStore)) throw err;
        return { store: unavailableStore(chosen.local, chosen.location, err), unavailable: err.message };
      }
    },
  };
}

/**
 * The file store's test-only options from `config.test` (process tests pause a real writer and
 * let its lock go stale): `{}` in normal use. The pause writes one line to stderr, then stops
 * this process (SIGSTOP) until the test sends SIGCONT; only the first write pauses.
 */
function testTuning(config: Config): Pick<FileMemoryStoreOptions, 'lock' | 'hooks'> {
  if (!config.test) return {};
  let paused = false;
  return {
    lock: config.test.lockStaleMs ? { staleMs: config.test.lockStaleMs } : undefined,
    hooks: config.test.pauseAfterTempFile
      ? {
          afterTempFile: () => {
            if (paused) return;
            paused = true;
            writeSync(2, `memagent-test: paused after temp file (pid ${process.pid})\n`);
            process.kill(process.pid, 'SIGSTOP');
          },
        }
      : undefined,
  };
}

/**
 * Whether the memory dir `dir` (not created, may be missing) holds anyone's memory file, readable
 * or not; false when it is missing or not a directory. Reads only.
 */
export async function remembersSomeone(dir: string): Promise<boolean> {
  try {
    return (await new FileMemoryStore({ dir, createDir: false }).listUsers()).length > 0;
  } catch {
    return false;
  }
}
