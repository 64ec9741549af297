/**
 * `memagent show`: what is remembered, for a person to read. The memory block is printed by the
 * same renderer that builds the system prompt, so the user sees exactly what the model sees.
 */
import { listPending } from '../core/journal.js';
import { MemoryStore } from '../core/memory-store.js';
import { renderMemoryBlock } from '../core/render.js';
import { FACT_KINDS, type Fact, type Memory } from '../core/schema.js';
import { requireUser, type Config } from '../config.js';

/** Flags of `show`. */
export interface ShowFlags {
  user?: string;
  json?: boolean;
  all?: boolean;
  history?: boolean;
}

/** "3d ago"-style age of an ISO time relative to `now`. */
export function age(iso: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/**
 * The human view of one user's memory: the block the model sees (with ids), then every fact
 * grouped by kind with id, age and source quote, then decisions. `all` adds superseded and
 * retracted facts.
 */
export function formatMemoryView(memory: Memory, opts: { budgetTokens: number; now: Date; all?: boolean; pending?: number }): string {
  const block = renderMemoryBlock(memory, { budgetTokens: opts.budgetTokens, now: opts.now, showIds: true });
  const active = memory.facts.filter((f) => f.status === 'active');
  const out: string[] = [];
  out.push(
    `${memory.userId} · ${active.length} facts, ${memory.decisions.length} decisions · ${memory.sessionCount} sessions · revision ${memory.revision}` +
      (memory.revision > 0 ? ` · updated ${age(memory.updatedAt, opts.now)}` : ''),
  );
  out.push(
    `What the model sees (${block.tokens} of ${opts.budgetTokens} tokens${block.omitted > 0 ? `; ${block.omitted} items omitted to fit` : ''}):`,
  );
  out.push(block.text);
  const shown = opts.all ? memory.facts : active;
  if (shown.length > 0) {
    out.push('', opts.all ? 'All facts (with history):' : 'Facts:');
    for (const kind of FACT_KINDS) {
      const ofKind = shown.filter((f) => f.kind === kind);
      if (ofKind.length === 0) continue;
      out.push(`  ${kind}`);
      for (const fact of ofKind) out.push(`    ${formatFact(fact, opts.now)}`);
    }
  }
  if (memory.decisions.length > 0) {
    out.push('', 'Decisions:');
    for (const d of memory.decisions) {
      out.push(`    ${d.id}  ${d.date.slice(0, 10)}  ${d.topic}: ${d.decision}`);
    }
  }
  if (opts.pending) {
    out.push('', `Pending: ${opts.pending} session journal${opts.pending === 1 ? '' : 's'} not yet extracted (saved at the next chat or compact)`);
  }
  return out.join('\n');
}

function formatFact(fact: Fact, now: Date): string {
  const flags = [fact.pinned ? 'pinned' : '', fact.confidence !== 'high' ? `${fact.confidence} confidence` : '', fact.status !== 'active' ? fact.status : '']
    .filter(Boolean)
    .join(', ');
  const quote = fact.source.quote ? ` "${fact.source.quote.length > 60 ? `${fact.source.quote.slice(0, 57)}...` : fact.source.quote}"` : '';
  return `${fact.id}  ${fact.text}${flags ? ` [${flags}]` : ''}  (${age(fact.updatedAt, now)},${quote || ' no quote'})`;
}

/** Runs `show`. Prints to stdout. @throws UsageError, MemoryFileError. */
export async function runShow(config: Config, flags: ShowFlags): Promise<void> {
  const store = new MemoryStore({ dir: config.memoryDir });
  const now = new Date();
  if (!flags.user) {
    const users = await store.listUsers();
    if (users.length === 0) {
      process.stdout.write(`No one is remembered yet in ${store.dir}.\n`);
      return;
    }
    const rows = [['user', 'facts', 'decisions', 'sessions', 'last seen', 'size']];
    for (const u of users) {
      rows.push(
        u.error
          ? [u.userId, '-', '-', '-', 'unreadable', u.error]
          : [u.userId, String(u.facts), String(u.decisions), String(u.sessionCount), age(u.updatedAt, now), formatBytes(u.bytes)],
      );
    }
    process.stdout.write(`${table(rows)}\n`);
    return;
  }
  const userId = requireUser(flags.user);
  if (flags.history) {
    const versions = await store.history(userId);
    if (versions.length === 0) {
      process.stdout.write(`No earlier versions of ${userId}'s memory.\n`);
      return;
    }
    const rows = [['revision', 'saved', 'size']];
    for (const v of versions) rows.push([String(v.revision), age(v.savedAt, now), formatBytes(v.bytes)]);
    process.stdout.write(`${table(rows)}\n(memagent undo --user ${userId} restores the newest)\n`);
    return;
  }
  const { memory, exists } = await store.load(userId);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(memory, null, 2)}\n`);
    return;
  }
  const pending = (await listPending(store.dir, userId)).length;
  if (!exists && pending === 0) {
    process.stdout.write(`Nothing is remembered about ${userId} yet.\n`);
    return;
  }
  process.stdout.write(`${formatMemoryView(memory, { budgetTokens: config.memoryBudgetTokens, now, all: flags.all, pending })}\n`);
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
