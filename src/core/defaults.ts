/**
 * The defaults of every setting the CLI resolves (`src/cli/config.ts` reads them from here and
 * never retypes them). Each is owned by the module whose behaviour it tunes; this module only
 * gathers them, so a setting's default and its reason live in one place.
 */
export { DEFAULT_MEMORY_BUDGET_TOKENS } from './render.js';
export { DEFAULT_RECALL_BUDGET_TOKENS } from './recall/recall.js';
export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS as DEFAULT_REQUEST_TIMEOUT_MS } from './model-client.js';
export { DEFAULT_HISTORY_VERSIONS } from './storage/store.js';

/** Default chat model: the newest Sonnet in SDK 1.11's `Model` type. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';
/** Default extraction model: the newest (cheap) Haiku in SDK 1.11's `Model` type. */
export const DEFAULT_EXTRACT_MODEL = 'claude-haiku-5-5';
/** Default deadline (ms) for the extraction at exit, after which the journal is left for next time. */
export const DEFAULT_EXIT_TIMEOUT_MS = 10_000;
