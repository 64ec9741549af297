/**
 * The core's second public entry (see index.ts): the running chat and the model passes over
 * memory. Only the commands that run them (`chat`, `compact`) import it.
 */
export { ChatSession, DEFAULT_MAX_TOKENS } from './chat-session.js';
export { compactMemory } from './compaction.js';
export { extractPending } from './extraction.js';
export { EditParseError, isEmptyPlan, parseEditable, planEdit, renderEditable, type EditPlan, type Retag } from './edit-plan.js';
export { ImportFileError, importSessions, parseImportFile, type ImportPlan, type ImportStep, type ImportSummary } from './services/import.js';
export { conversationFromTurns, restoreConversation } from './services/resume.js';
