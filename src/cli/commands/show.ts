/**
 * `memagent show`: what is remembered, for a person to read. The memory block is printed by the
 * same renderer, with the same budget, that builds the system prompt, so the user sees exactly
 * what the model sees (ids are listed below it, not inside it).
 */
import { atRestEncryption, renderMemoryBlock, FACT_KINDS, emptyMemory, terminalSafe, terminalSafeJson, UsageError, type Fact, type Memory } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `show`. */
export interface ShowFlags {
  user?: string;
  json?: boolean;
  all?: boolean;
  history?: boolean;
}

/** "3d ago"-style age of an ISO time relative to `now` ('just now' under 90 s, also for future times). Pure. */
export function age(iso: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/**
 * The human view of one user's memory (pure): a header line; the memory block exactly as the
 * system prompt holds it (`renderMemoryBlock` with `budgetTokens`, no ids), with how many items
 * were omitted to fit; then every fact grouped by kind with id, flags, age and source quote (facts
 * left out of the block marked `not in prompt`), decisions, and `pending` unextracted journals.
 * `all` adds superseded and retracted facts. Stored text is printed through `terminalSafe` (the
 * block is already one safe line per item), so nothing in it can act on the terminal.
 */
export function formatMemoryView(memory: Memory, opts: { budgetTokens: number; now: Date; all?: boolean; pending?: number }): string {
  const block = renderMemoryBlock(memory, { budgetTokens: opts.budgetTokens, now: opts.now });
  const active = memory.facts.filter((f) => f.status === 'active');
  const out: string[] = [];
  out.push(
    `${memory.userId} · ${plural(active.length, 'fact')}, ${plural(memory.decisions.length, 'decision')} · ${plural(memory.sessionCount, 'session')} · revision ${memory.revision}` +
      (memory.revision > 0 ? ` · updated ${age(memory.updatedAt, opts.now)}` : ''),
  );
  out.push(
    `What the model sees (${block.tokens} of ${opts.budgetTokens} tokens${block.omitted > 0 ? `; ${plural(block.omitted, 'item')} omitted to fit` : ''}):`,
  );
  out.push(block.text);
  const inPrompt = new Set(block.text.split('\n'));
  const shown = opts.all ? memory.facts : active;
  if (shown.length > 0) {
    out.push('', opts.all ? 'All facts (with superseded and retracted):' : 'Facts:');
    for (const kind of FACT_KINDS) {
      const ofKind = shown.filter((f) => f.kind === kind);
      if (ofKind.length === 0) continue;
      out.push(`  ${kind}`);
      for (const fact of ofKind) {
        const missing = fact.status === 'active' && block.omitted > 0 && !inPrompt.has(promptLine(fact, opts.now));
        out.push(`    ${formatFact(fact, opts.now, missing)}`);
      }
    }
  } else if (opts.all && memory.facts.length === 0) {
    out.push('', 'No facts.');
  }
  if (memory.decisions.length > 0) {
    out.push('', 'Decisions:');
    for (const d of memory.decisions) {
      out.push(`    ${d.id}  ${d.date.slice(0, 10)}  ${terminalSafe(d.topic)}: ${terminalSafe(d.decision)}`);
    }
  }
  if (opts.pending) {
    out.push('', `Pending: ${plural(opts.pending, 'session journal')} not yet extracted (saved at the next chat or compact)`);
  }
  return out.join('\n');
}

/** The line `fact` gets in a memory block, from the renderer itself (no second copy of its format). */
function promptLine(fact: Fact, now: Date): string {
  const alone: Memory = { ...emptyMemory('', now), facts: [fact] };
  return renderMemoryBlock(alone, { budgetTokens: 1_000_000, now }).text.split('\n')[2] ?? '';
}

function formatFact(fact: Fact, now: Date, notInPrompt: boolean): string {
  const flags = [
    fact.pinned ? 'pinned' : '',
    fact.confidence !== 'high' ? `${fact.confidence} confidence` : '',
    fact.status !== 'active' ? `${fact.status}${fact.supersededBy ? ` by ${fact.supersededBy}` : ''}` : '',
    notInPrompt ? 'not in prompt' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const shown = terminalSafe(fact.source.quote);
  const quote = shown ? ` "${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}"` : '';
  return `${fact.id}  ${terminalSafe(fact.text)}${flags ? ` [${flags}]` : ''}  (${age(fact.updatedAt, now)},${quote || ' no quote'})`;
}

/**
 * Runs `show` (see `ShowFlags`), printing to stdout. Without `--user`: a table of users (a corrupt
 * file is a row marked unreadable, with the reason below the table), or with `--json` the same as
 * a JSON array. With `--user`: `--history` lists the earlier versions kept (for `undo`/`restore`), `--json` prints
 * the validated file, else `formatMemoryView`; a user no one remembers who is a likely typo of one
 * who is remembered (`Alice` for `alice`) is an error naming that one. Never writes memory.
 * @throws UsageError (bad id, `--all`/`--history` without `--user`, a likely typo); MemoryFileError.
 */
export async function runShow({ config, store }: Services, flags: ShowFlags): Promise<void> {
  const now = new Date();
  if (flags.user === undefined) {
    if (flags.all || flags.history) throw new UsageError(`--${flags.all ? 'all' : 'history'} needs --user <id>`);
    const users = await store.listUsers();
    if (flags.json) {
      process.stdout.write(`${terminalSafeJson(users)}\n`);
      return;
    }
    if (users.length === 0) {
      process.stdout.write(`No one is remembered yet in ${store.location}.\n`);
      return;
    }
    const rows = [['user', 'facts', 'decisions', 'sessions', 'last seen', 'size']];
    for (const u of users) {
      rows.push(
        u.error
          ? [u.userId, '?', '?', '?', 'unreadable', formatBytes(u.bytes)]
          : [u.userId, String(u.facts), String(u.decisions), String(u.sessionCount), age(u.updatedAt, now), formatBytes(u.bytes)],
      );
    }
    const problems = users.filter((u) => u.error).map((u) => `${u.userId}: ${terminalSafe(u.error ?? '')}`);
    process.stdout.write(`${table(rows)}\n${problems.length ? `\n${problems.join('\n')}\n` : ''}`);
    return;
  }
  const userId = requireUser(flags.user);
  if (flags.history) {
    const versions = await store.history(userId);
    if (versions.length === 0) {
      process.stdout.write(`No earlier versions of ${userId}'s memory.\n`);
      return;
    }
    const { memory } = await store.load(userId);
    const rows = [['revision', 'written', 'size']];
    for (const v of versions) rows.push([String(v.revision), age(v.savedAt, now), formatBytes(v.bytes)]);
    process.stdout.write(
      `${userId}'s memory is at revision ${memory.revision}; earlier versions kept (newest first):\n${table(rows)}\n` +
        `(memagent undo --user ${userId} reverts the last write; memagent restore --user ${userId} --revision N brings back any of these)\n`,
    );
    return;
  }
  const { memory, exists } = await store.load(userId);
  if (flags.json) {
    process.stdout.write(`${terminalSafeJson(memory)}\n`);
    return;
  }
  const pending = (await store.journals.listPending(userId)).length;
  if (!exists && pending === 0) {
    const known = suggestUser(userId, (await store.listUsers()).map((u) => u.userId));
    if (known) throw new UsageError(`nothing is remembered about ${userId}; did you mean --user ${known}?`);
    process.stdout.write(`Nothing is remembered about ${userId} yet.\n`);
    return;
  }
  const view = formatMemoryView(memory, { budgetTokens: config.memoryBudgetTokens, now, all: flags.all, pending });
  // On a terminal, long facts wrap under their own indent instead of at column 0; piped, lines stay whole.
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  process.stdout.write(`${columns ? wrapToWidth(view, columns) : view}\n`);
  const encryption = await encryptionLine(store, userId);
  if (encryption) process.stdout.write(`\n${encryption}\n`);
}

/**
 * One line about encryption at rest when encryption is on and some of the user's files are still
 * plaintext (a mixed state: encryption turned on later, an `encrypt` or `decrypt` interrupted).
 * Null otherwise, and for stores that keep no files (PostgreSQL).
 */
async function encryptionLine(memoryStore: Services['store'], userId: string): Promise<string | null> {
  const store = atRestEncryption(memoryStore);
  // With encryption off there is nothing to finish (an age file is refused, naming itself, when read).
  if (store === null || !store.cipher.encrypts) return null;
  const { encrypted, plaintext } = await store.encryptionState(userId);
  if (plaintext === 0) return null;
  return `Encryption: ${encrypted} of ${encrypted + plaintext} files encrypted, ${plaintext} still plaintext (\`memagent encrypt --user ${userId}\` finishes it)`;
}

/**
 * The existing user `userId` was probably meant as (pure): the one equal to it ignoring case, else
 * one a single letter away (ids of 3+ characters), else null.
 */
export function suggestUser(userId: string, existing: string[]): string | null {
  const wanted = userId.toLowerCase();
  const others = existing.filter((id) => id !== userId);
  return (
    others.find((id) => id.toLowerCase() === wanted) ??
    (wanted.length >= 3 ? others.find((id) => oneEditApart(id.toLowerCase(), wanted)) : undefined) ??
    null
  );
}

/** Whether `a` becomes `b` by changing, adding or dropping one character. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/**
 * `text` with each line longer than `width` columns wrapped at spaces, continuation lines
 * indented two columns past the line's own indent (a word longer than the room is cut). Widths
 * count UTF-16 units (a wide character may overflow by a column). Pure.
 */
export function wrapToWidth(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width || width < 20) return line;
      const indent = ' '.repeat(Math.min((/^ */.exec(line)?.[0].length ?? 0) + 2, Math.floor(width / 2)));
      const out: string[] = [];
      let rest = line;
      let prefix = '';
      while (prefix.length + rest.length > width) {
        const room = width - prefix.length;
        let cut = rest.lastIndexOf(' ', room);
        if (cut <= 0) cut = room;
        out.push(prefix + rest.slice(0, cut).trimEnd());
        rest = rest.slice(cut).trimStart();
        prefix = indent;
      }
      out.push(prefix + rest);
      return out.join('\n');
    })
    .join('\n');
}
