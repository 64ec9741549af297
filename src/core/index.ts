/**
 * The core's public surface: what the front ends (src/ui) and the CLI (src/cli) may use. They
 * import the core only from here and from `chat.ts` (checked by test/architecture.test.ts).
 * This module holds the light part (errors, shapes, rendering, storage interface, forget) and
 * the types of everything; `chat.ts` holds the running chat and the model passes (extraction,
 * compaction), which only `chat` and `compact` load. The split is measured: esbuild puts every
 * module an entry reaches into that entry's chunks, and through one index `show` loaded ~50 KB
 * more code (chat, extraction, compaction, merge, grounding).
 * Kept out of both on purpose, for the composition root (src/cli/compose.ts) alone:
 * `storage/file/index.ts` (the file store, which only the root constructs) and `model.ts` (the
 * SDK adapter, imported lazily so start-up never compiles the SDK).
 */
export type { ChatSession, SessionOptions, TurnOutcome } from './chat-session.js';
export type { CompactionDiff, CompactionOutcome } from './compaction.js';
export * from './defaults.js';
export {
  describeChange,
  describeChanges,
  describeCompaction,
  describeDropped,
  describeRemembered,
  describeRetag,
  describeSave,
  summarizeChanges,
  type ChangeTone,
  type SaveReport,
} from './describe-changes.js';
export { ApiError, ConfigError, LockError, MemagentError, MemoryFileError, UsageError } from './errors.js';
export type { ModelEvent, SessionEvent } from './events.js';
export { describeRecall } from './events.js';
export type { ExtractionOutcome } from './extraction.js';
export { describeDropReason, formatDroppedItem, type DropReason, type DroppedItem } from './grounding-report.js';
export { diffMemories } from './memory-diff.js';
export { lazyModelClient, type LazyModelClient, type ModelClient, type Usage } from './model-client.js';
export { contextFill, formatCost, priceOf, usageCost, type ModelPrice } from './pricing.js';
export { renderMemoryBlock, renderMemorySummaryLine } from './render.js';
export type { ReviewItem } from './review.js';
export { FACT_KINDS, emptyMemory, type Decision, type Fact, type Memory, type MemoryChange } from './schema.js';
export {
  containsText,
  dropSentencesContaining,
  forgetEverywhere,
  mentionsWords,
  previewForget,
  type ForgetEverywhereReport,
  type ForgetPreview,
  type ForgetTarget,
} from './services/forget.js';
export { migrateUser, exportedContent, type MigrateReport } from './services/migrate.js';
export {
  HISTORY_LIMIT,
  HISTORY_MAX_ENTRY_CHARS,
  type InputHistoryFile,
  type InputHistorySource,
  type JournalStore,
  type MemoryStore,
  type UserSummary,
  type VersionInfo,
} from './storage/store.js';
export { formatRecallLine } from './recall/recall.js';
export type { Episode, EpisodeSummary, SearchHit } from './recall/types.js';
export { terminalSafe, terminalSafeJson } from './terminal-safe.js';
export { describeToolRun } from './tools/describe-tool-run.js';
export { formatHit } from './tools/format-hit.js';
export { normalizeText } from './text-match.js';
export { validateUserId } from './user-id.js';
export { CipherError, PLAINTEXT, ageCipher, isAgeFile, parseIdentity, type FileCipher } from './storage/file/age-cipher.js';
export { atRestEncryption, type AtRestEncryption, type ConvertReport, type EncryptionState } from './storage/file/encryption-state.js';

/** The age identity tools that need `age-encryption` (keygen, passphrase identities), loaded on first use. */
export const ageIdentityTools = () => import('./storage/file/age-identity.js');
