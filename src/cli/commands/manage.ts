/**
 * `memagent forget`, `undo` and `export`: the user's control over what is kept.
 */
import readline from 'node:readline/promises';
import { MemagentError, UsageError, forgetEverywhere, normalizeText, type Memory, type MemoryStore } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `forget`. */
export interface ForgetFlags {
  user?: string;
  match?: string;
  all?: boolean;
  yes?: boolean;
}

/** Asks a yes/no question on the terminal (stderr). Call only when stdin is a TTY. */
async function confirm(question: string): Promise<boolean> {
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
 * `forgetEverywhere`): fact/decision ids, or everything mentioning `--match <text>`,
 * from the memory file, every history version and their summaries, journals and input history;
 * or with `--all` everything of the user, after a question on the terminal (without a terminal
 * `--yes` is required). Prints what went on stdout.
 * @returns the exit code: 0.
 * @throws UsageError (not exactly one mode, empty text, `--all` without `--yes` and no terminal:
 *   nothing deleted); MemagentError when nothing matched anywhere, or `--all` was not confirmed;
 *   MemoryFileError, LockError.
 */
export async function runForget(services: Services, ids: string[], flags: ForgetFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const modes = [ids.length > 0, flags.match !== undefined, Boolean(flags.all)].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('forget needs exactly one of: fact ids, --match <text>, or --all');
  const store = services.store;
  if (flags.all) return forgetEverything(store, userId, Boolean(flags.yes));

  if (flags.match !== undefined && normalizeText(flags.match) === '') throw new UsageError('--match needs some text (letters or digits)');
  const report = await forgetEverywhere(store, userId, flags.match !== undefined ? { text: flags.match } : { ids });
  if (report.unknownIds.length === ids.length && ids.length > 0) {
    throw new MemagentError(`no fact or decision with id ${ids.join(', ')} in ${userId}'s memory (memagent show --user ${userId} --all lists them)`);
  }
  if (report.unknownIds.length) process.stderr.write(`memagent: no fact or decision with id ${report.unknownIds.join(', ')}; forgot the others\n`);
  const { journalLines, inputHistoryLines: inputLines } = report;
  const removedIds = new Set(report.removed.map((item) => item.id));
  const elsewhere = new Set(report.matched.map((item) => item.id).filter((id) => !removedIds.has(id))).size;
  if (report.matched.length === 0 && !report.summaryChanged && report.historyVersions === 0 && journalLines === 0 && inputLines === 0) {
    throw new MemagentError(`nothing in ${userId}'s memory, history, journals or input history mentions "${flags.match}"`);
  }
  const lines = report.removed.map((item) => `- ${item.id}  ${'text' in item ? item.text : `${item.topic}: ${item.decision}`}`);
  const also = [
    report.summaryChanged ? 'summary sentences' : '',
    elsewhere > 0 ? `${plural(elsewhere, 'older item')} kept only in history` : '',
    journalLines ? plural(journalLines, 'journal line') : '',
    inputLines ? plural(inputLines, 'input history line') : '',
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
 * Restores the memory file byte for byte as it was before its last write, and says which
 * revision it now is and how many more steps `undo` can go back.
 * @throws MemagentError when there is nothing to undo; MemoryFileError; LockError; UsageError.
 */
export async function runUndo({ store }: Services, flags: { user?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const result = await store.undo(userId);
  const left = (await store.history(userId)).length;
  process.stdout.write(
    `Restored ${userId}'s memory to revision ${result.revision} (it was revision ${result.before.revision}); ` +
      `${left === 0 ? 'no earlier version is left' : `${plural(left, 'earlier version')} left (memagent show --user ${userId} --history)`}.\n`,
  );
}

/**
 * Prints a user's memory to stdout: `json` the validated file (2-space indent), `md` `toMarkdown`.
 * Pending journals (not yet in memory) are mentioned on stderr.
 * @throws MemagentError when nothing is remembered; MemoryFileError; UsageError.
 */
export async function runExport({ store }: Services, flags: { user?: string; format?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const { memory, exists } = await store.load(userId);
  if (!exists) throw new MemagentError(`nothing is remembered about ${userId} yet`);
  process.stdout.write(flags.format === 'md' ? toMarkdown(memory) : `${JSON.stringify(memory, null, 2)}\n`);
  const pending = (await store.journals.listPending(userId)).length;
  if (pending) process.stderr.write(`memagent: ${plural(pending, 'session')} not yet saved to memory (saved at the next chat or compact)\n`);
}

/** A Markdown export of `memory` (pure): summary, active facts by kind, decisions, then superseded and retracted facts. */
export function toMarkdown(memory: Memory): string {
  const out = [`# What memagent remembers about ${memory.userId}`, '', `Revision ${memory.revision}, ${plural(memory.sessionCount, 'session')}, updated ${memory.updatedAt}.`, ''];
  if (memory.summary) out.push('## Summary', '', memory.summary, '');
  const active = memory.facts.filter((f) => f.status === 'active');
  if (active.length) {
    out.push('## Facts', '');
    for (const f of active) {
      const quote = f.source.quote ? `from "${f.source.quote}", ` : '';
      out.push(`- **${f.kind}**${f.pinned ? ' (pinned)' : ''}: ${f.text} _(${f.id}, ${quote}${f.source.at.slice(0, 10)})_`);
    }
    out.push('');
  }
  if (memory.decisions.length) {
    out.push('## Decisions', '');
    for (const d of memory.decisions) out.push(`- ${d.date.slice(0, 10)} **${d.topic}**: ${d.decision} _(${d.id})_`);
    out.push('');
  }
  const history = memory.facts.filter((f) => f.status !== 'active');
  if (history.length) {
    out.push('## History (superseded or retracted)', '');
    for (const f of history) out.push(`- ~~${f.text}~~ (${f.status}${f.validTo ? ` ${f.validTo.slice(0, 10)}` : ''}, ${f.id})`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
