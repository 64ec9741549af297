/**
 * `memagent forget` and `export`: the user's control over what is kept (`undo` and `restore`: undo.ts).
 */
import readline from 'node:readline/promises';
import {
  MemagentError,
  UsageError,
  forgetEverywhere,
  normalizeText,
  previewForget,
  terminalSafe,
  terminalSafeJson,
  type Decision,
  type Fact,
  type Memory,
  type MemoryStore,
} from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `forget`. */
export interface ForgetFlags {
  user?: string;
  match?: string;
  /** With `--match`: match inside words too ("lisb" finds "Lisbon"); default whole words. */
  substring?: boolean;
  all?: boolean;
  yes?: boolean;
}

/**
 * Shortest `--match` (letters, digits and inner spaces, after `normalizeText`) accepted without
 * `--yes`: one or two letters ("e", "in") are in almost every sentence, so they would delete far
 * more than the user means.
 */
export const MIN_MATCH_CHARS = 3;

/** Asks a yes/no question on the terminal (stderr). Call only when stdin is a TTY. */
export async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Hard-deletes what the user wants gone, leaving no trace under the memory dir (see
 * `forgetEverywhere`): fact/decision ids, or everything mentioning `--match <text>` (as whole
 * words; `--substring` inside words too), from the memory file, every history version and their
 * summaries, journals and input history; or with `--all` everything of the user. `--match` and
 * `--all` first show what will go and ask on the terminal; `--yes` skips the question, and
 * without a terminal it is required. Prints what went on stdout; the preview and the question
 * go to stderr.
 * @returns the exit code: 0.
 * @throws UsageError (not exactly one mode, empty text, a match under 3 characters without
 *   `--yes`, `--match`/`--all` without `--yes` and no terminal: nothing deleted); MemagentError
 *   when nothing matched anywhere, or the question was not answered yes; MemoryFileError, LockError.
 */
export async function runForget(services: Services, ids: string[], flags: ForgetFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const modes = [ids.length > 0, flags.match !== undefined, Boolean(flags.all)].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('forget needs exactly one of: fact ids, --match <text>, or --all');
  if (flags.substring && flags.match === undefined) throw new UsageError('--substring goes with --match <text>');
  const store = services.store;
  if (flags.all) return forgetEverything(store, userId, Boolean(flags.yes));

  if (flags.match !== undefined) {
    const needle = normalizeText(flags.match);
    if (needle === '') throw new UsageError('--match needs some text (letters or digits)');
    if (!flags.yes && Array.from(needle).length < MIN_MATCH_CHARS) {
      throw new UsageError(`--match "${terminalSafe(flags.match)}" is shorter than ${MIN_MATCH_CHARS} characters and would match too much; add --yes to forget it anyway; nothing deleted`);
    }
    if (!flags.yes) await confirmMatch(store, userId, { text: flags.match, substring: flags.substring });
  }
  const target = flags.match !== undefined ? { text: flags.match, substring: Boolean(flags.substring) } : { ids };
  const report = await forgetEverywhere(store, userId, target);
  if (report.unknownIds.length === ids.length && ids.length > 0) {
    throw new MemagentError(`no fact or decision with id ${ids.join(', ')} in ${userId}'s memory (memagent show --user ${userId} --all lists them)`);
  }
  for (const path of report.journalsUnsearched) {
    process.stderr.write(`memagent: could not search ${terminalSafe(path)} (a set-aside journal, archive part or moved-aside memory memagent cannot read); delete it yourself if it may hold what you forget\n`);
  }
  if (report.unknownIds.length) process.stderr.write(`memagent: no fact or decision with id ${report.unknownIds.join(', ')}; forgot the others\n`);
  const { journalLines, inputHistoryLines: inputLines, archivedItems, sessionLines } = report;
  const removedIds = new Set(report.removed.map((item) => item.id));
  const elsewhere = new Set(report.matched.map((item) => item.id).filter((id) => !removedIds.has(id))).size;
  if (report.matched.length === 0 && !report.summaryChanged && report.historyVersions === 0 && journalLines === 0 && inputLines === 0 && archivedItems === 0 && sessionLines === 0) {
    throw new MemagentError(nothingMentions(userId, flags.match ?? ''));
  }
  const lines = report.removed.map((item) => `- ${item.id}  ${itemLine(item)}`);
  const also = [
    report.summaryChanged ? 'summary sentences' : '',
    elsewhere > 0 ? `${plural(elsewhere, 'older item')} kept only in history` : '',
    journalLines ? plural(journalLines, 'journal line') : '',
    inputLines ? plural(inputLines, 'input history line') : '',
    archivedItems ? plural(archivedItems, 'archived item') : '',
    sessionLines ? plural(sessionLines, 'past session line') : '',
  ].filter(Boolean);
  lines.push(
    `Forgot ${plural(report.removed.length, 'item')} for ${userId}` +
      (also.length ? `, and ${also.join(', ')}` : '') +
      (report.historyVersions ? `; scrubbed ${plural(report.historyVersions, 'history version')}` : '') +
      '. This cannot be undone.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function nothingMentions(userId: string, text: string): string {
  return `nothing in ${userId}'s memory, history, journals or input history mentions "${terminalSafe(text)}"`;
}

function itemLine(item: Fact | Decision): string {
  return terminalSafe('text' in item ? item.text : `${item.topic}: ${item.decision}`);
}

/**
 * Shows what `forget --match` will delete and asks; returns only when the user said yes.
 * Nothing to show and no saved version to search: nothing mentions it (MemagentError, exit 1).
 * @throws UsageError without a terminal (add --yes); MemagentError when not confirmed.
 */
async function confirmMatch(store: MemoryStore, userId: string, target: { text: string; substring?: boolean }): Promise<void> {
  const preview = await previewForget(store, userId, target);
  const { items, summarySentences, journalTurns, journals, inputHistoryLines, historyVersions, archivedItems, sessionTurns, sessions } = preview;
  const found = items.length + summarySentences.length + journalTurns + inputHistoryLines + archivedItems.length + sessionTurns;
  if (found === 0 && historyVersions === 0) throw new MemagentError(nothingMentions(userId, target.text));
  const counts = [
    items.length ? plural(items.length, 'item') : '',
    summarySentences.length ? plural(summarySentences.length, 'summary sentence') : '',
    journalTurns ? plural(journalTurns, 'journal line') : '',
    inputHistoryLines ? plural(inputHistoryLines, 'input history line') : '',
    archivedItems.length ? plural(archivedItems.length, 'archived item') : '',
    sessionTurns ? plural(sessionTurns, 'past session line') : '',
  ].filter(Boolean);
  const what = counts.length ? counts.join(', ') : 'nothing in the current memory';
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `forget --match "${terminalSafe(target.text)}" would delete ${what}${historyVersions ? ` and search ${plural(historyVersions, 'saved version')}` : ''} for ${userId}, and needs --yes when there is no terminal to ask; nothing deleted`,
    );
  }
  const lines = [`forget --match "${terminalSafe(target.text)}" (${target.substring ? 'anywhere, also inside words' : 'whole words'}) will delete for ${userId}:`];
  for (const item of items) {
    const status = 'status' in item && item.status !== 'active' ? ` [${item.status}]` : '';
    lines.push(`  - ${item.id}  ${itemLine(item)}${status}`);
  }
  for (const sentence of summarySentences) lines.push(`  - summary: ${terminalSafe(sentence)}`);
  if (journalTurns) lines.push(`  - ${plural(journalTurns, 'line')} of ${plural(journals, 'session')} not yet saved to memory`);
  if (inputHistoryLines) lines.push(`  - ${plural(inputHistoryLines, 'line')} of your input history`);
  for (const item of archivedItems) lines.push(`  - ${item.id}  ${itemLine(item)} [archived]`);
  if (sessionTurns) lines.push(`  - ${plural(sessionTurns, 'line')} of ${plural(sessions, 'past session')}`);
  if (found === 0) lines.push('  (nothing in the current memory)');
  if (historyVersions) lines.push(`  and the same in ${plural(historyVersions, 'saved version')} (undo history)`);
  process.stderr.write(`${lines.join('\n')}\n`);
  if (!(await confirm('Delete all of this? This cannot be undone.'))) throw new MemagentError('not confirmed; nothing deleted');
}

async function forgetEverything(store: MemoryStore, userId: string, yes: boolean): Promise<number> {
  if (!yes) {
    if (!process.stdin.isTTY) {
      throw new UsageError(`forget --all deletes everything remembered about ${userId} and needs --yes when there is no terminal to ask; nothing deleted`);
    }
    if (!(await confirm(`Delete everything remembered about ${userId}: memory, history, journals and input history?`))) {
      throw new MemagentError('not confirmed; nothing deleted');
    }
  }
  const { exists } = await store.load(userId).catch(() => ({ exists: true }));
  const versions = (await store.history(userId)).length;
  const journals = await store.journals.count(userId);
  const inputHistory = await store.inputHistory.exists(userId);
  await store.forgetAll(userId);
  const parts = [
    exists ? 'memory file' : '',
    versions ? plural(versions, 'history version') : '',
    journals ? plural(journals, 'journal') : '',
    inputHistory ? 'input history' : '',
  ].filter(Boolean);
  process.stdout.write(parts.length ? `Forgot everything about ${userId} (${parts.join(', ')}).\n` : `Nothing was stored about ${userId}.\n`);
  return 0;
}

/**
 * Prints a user's memory to stdout: `json` the validated file (2-space indent; `terminalSafeJson`,
 * exact JSON), `md` `toMarkdown`.
 * Pending journals (not yet in memory) are mentioned on stderr.
 * @throws MemagentError when nothing is remembered; MemoryFileError; UsageError.
 */
export async function runExport({ store }: Services, flags: { user?: string; format?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const { memory, exists } = await store.load(userId);
  if (!exists) throw new MemagentError(`nothing is remembered about ${userId} yet`);
  process.stdout.write(flags.format === 'md' ? toMarkdown(memory) : `${terminalSafeJson(memory)}\n`);
  const pending = (await store.journals.listPending(userId)).length;
  if (pending) process.stderr.write(`memagent: ${plural(pending, 'session')} not yet saved to memory (saved at the next chat or compact)\n`);
}

/**
 * A Markdown export of `memory` (pure): summary, active facts by kind, decisions, then superseded
 * and retracted facts. Stored text goes through `terminalSafe` (the summary keeps its line
 * breaks; an item stays on its line), so the export can be printed on a terminal as is.
 */
export function toMarkdown(memory: Memory): string {
  const line = (s: string) => terminalSafe(s);
  const out = [`# What memagent remembers about ${memory.userId}`, '', `Revision ${memory.revision}, ${plural(memory.sessionCount, 'session')}, updated ${memory.updatedAt}.`, ''];
  if (memory.summary) out.push('## Summary', '', terminalSafe(memory.summary, { multiline: true }), '');
  const active = memory.facts.filter((f) => f.status === 'active');
  if (active.length) {
    out.push('## Facts', '');
    for (const f of active) {
      const quote = f.source.quote ? `from "${line(f.source.quote)}", ` : '';
      out.push(`- **${f.kind}**${f.pinned ? ' (pinned)' : ''}: ${line(f.text)} _(${f.id}, ${quote}${f.source.at.slice(0, 10)})_`);
    }
    out.push('');
  }
  if (memory.decisions.length) {
    out.push('## Decisions', '');
    for (const d of memory.decisions) out.push(`- ${d.date.slice(0, 10)} **${line(d.topic)}**: ${line(d.decision)} _(${d.id})_`);
    out.push('');
  }
  const history = memory.facts.filter((f) => f.status !== 'active');
  if (history.length) {
    out.push('## History (superseded or retracted)', '');
    for (const f of history) out.push(`- ~~${line(f.text)}~~ (${f.status}${f.validTo ? ` ${f.validTo.slice(0, 10)}` : ''}, ${f.id})`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
