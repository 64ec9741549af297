/**
 * The composition root: the one place that turns a resolved `Config` into the services commands
 * use (the memory store with its journals and input history, the model client), once per
 * command. Commands receive `Services`; they never construct a store or name a path. A
 * PostgreSQL store, when it comes, is chosen here.
 */
import { lazyModelClient, type LazyModelClient, type InputHistorySource, type MemoryStore } from '../core/index.js';
import { FileMemoryStore } from '../core/storage/file/index.js';
import { requireApiKey, type Config } from './config.js';

/** What a command works with. Built by `compose`; cheap (no model code is loaded until used). */
export interface Services {
  readonly config: Config;
  /** The memory store (and its journals and input history) under `config.memoryDir`. */
  readonly store: MemoryStore;
  /**
   * The model client, created on the first call (later calls return the same one). The SDK is
   * compiled on its first request or `preload()`, not before.
   * @throws ConfigError when `ANTHROPIC_API_KEY` is not set (exit 1).
   */
  model(): LazyModelClient;
  /** `userId`'s input history as the REPL's prompt reads and appends it. */
  inputHistory(userId: string): InputHistorySource;
}

/**
 * Builds the services of one command from `config`. The store is built (and the memory dir created,
 * 0o700) on first use of `store`, which throws the fs error if the dir cannot be created.
 */
export function compose(config: Config): Services {
  let store: MemoryStore | undefined;
  let model: LazyModelClient | undefined;
  return {
    config,
    // Built on first use, so a command that fails its checks first (no API key) creates no dir.
    get store() {
      store ??= new FileMemoryStore({ dir: config.memoryDir, historyLimit: config.historyVersions });
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
  };
}
