/**
 * `memagent forget`, `undo` and `export`: the user's control over what is kept.
 */
import readline from 'node:readline/promises';
import { MemagentError, UsageError } from '../core/errors.js';
import { forgetInJournals } from '../core/journal.js';
import { MemoryStore } from '../core/memory-store.js';
import { normalizeText } from '../core/text-match.js';
import type { Memory } from '../core/schema.js';
import { requireUser, type Config } from '../config.js';

/** Flags of `forget`. */
export interface ForgetFlags {
  user?: string;
  match?: string;
  all?: boolean;
  yes?: boolean;
}

/** Asks a yes/no question on the terminal; without a terminal the answer is no (use --yes). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * Hard-deletes facts and decisions by id, by matching text (also from pending journals), or
 * everything of a user (`--all`, after confirmation). Deleted items leave no trace in the memory
 * file, its history versions or journals.
 * @returns the exit code (1 when nothing matched).
 */
export async function runForget(config: Config, ids: string[], flags: ForgetFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const modes = [ids.length > 0, Boolean(flags.match), Boolean(flags.all)].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('forget needs exactly one of: fact ids, --match <text>, or --all');
  const store = new MemoryStore({ dir: config.memoryDir });
  if (flags.all) {
    if (!flags.yes && !(await confirm(`Delete everything remembered about ${userId}, with its history and journals?`))) {
      throw new UsageError('not confirmed; nothing deleted (add --yes to skip the question)');
    }
    await store.forgetAll(userId);
    process.stdout.write(`Forgot everything about ${userId}.\n`);
    return 0;
  }
  let predicate: (item: { id: string; text?: string; topic?: string; decision?: string }) => boolean;
  if (flags.match) {
    const needle = normalizeText(flags.match);
    if (!needle) throw new UsageError('--match needs some text');
    predicate = (item) => normalizeText([item.text, item.topic, item.decision].filter(Boolean).join(' ')).includes(needle);
  } else {
    const wanted = new Set(ids);
    predicate = (item) => wanted.has(item.id);
  }
  const removed = await store.forget(userId, predicate);
  const journalLines = flags.match ? await forgetInJournals(store.dir, userId, flags.match) : 0;
  if (removed === 0 && journalLines === 0) {
    process.stderr.write(`memagent: nothing matched in ${userId}'s memory\n`);
    return 1;
  }
  process.stdout.write(
    `Forgot ${removed} item${removed === 1 ? '' : 's'}${journalLines ? ` and ${journalLines} journal line${journalLines === 1 ? '' : 's'}` : ''} for ${userId} (history versions included).\n`,
  );
  return 0;
}

/** Restores the memory file as it was before its last write. @throws MemagentError when there is nothing to undo. */
export async function runUndo(config: Config, flags: { user?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const store = new MemoryStore({ dir: config.memoryDir });
  const restored = await store.undo(userId);
  process.stdout.write(`Restored ${userId}'s memory to revision ${restored.revision} (${await store.pathFor(userId)}).\n`);
}

/** Prints a user's memory as JSON (the validated file) or Markdown. */
export async function runExport(config: Config, flags: { user?: string; format?: string }): Promise<void> {
  const userId = requireUser(flags.user);
  const store = new MemoryStore({ dir: config.memoryDir });
  const { memory, exists } = await store.load(userId);
  if (!exists) throw new MemagentError(`nothing is remembered about ${userId} yet`);
  process.stdout.write(flags.format === 'md' ? toMarkdown(memory) : `${JSON.stringify(memory, null, 2)}\n`);
}

/** A Markdown export: summary, active facts by kind, decisions, then history. */
export function toMarkdown(memory: Memory): string {
  const out = [`# What memagent remembers about ${memory.userId}`, '', `Revision ${memory.revision}, ${memory.sessionCount} sessions, updated ${memory.updatedAt}.`, ''];
  if (memory.summary) out.push('## Summary', '', memory.summary, '');
  const active = memory.facts.filter((f) => f.status === 'active');
  if (active.length) {
    out.push('## Facts', '');
    for (const f of active) out.push(`- **${f.kind}**: ${f.text} _(${f.id}, from "${f.source.quote}", ${f.source.at.slice(0, 10)})_`);
    out.push('');
  }
  if (memory.decisions.length) {
    out.push('## Decisions', '');
    for (const d of memory.decisions) out.push(`- ${d.date.slice(0, 10)} **${d.topic}**: ${d.decision}`);
    out.push('');
  }
  const history = memory.facts.filter((f) => f.status !== 'active');
  if (history.length) {
    out.push('## History (superseded or retracted)', '');
    for (const f of history) out.push(`- ~~${f.text}~~ (${f.status}${f.validTo ? ` ${f.validTo.slice(0, 10)}` : ''})`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
