/**
 * `memagent compact --user <id> [--dry-run] [--yes]`: extracts pending journals first, then one
 * model pass consolidates the memory; prints the diff.
 */
import { compactMemory } from '../core/compaction.js';
import { extractPending } from '../core/extraction.js';
import { MemoryStore } from '../core/memory-store.js';
import { createModelClient } from '../core/model.js';
import { requireApiKey, requireUser, type Config } from '../config.js';
import { describeChange } from './describe.js';

/** Flags of `compact`. */
export interface CompactFlags {
  user?: string;
  dryRun?: boolean;
  yes?: boolean;
}

/** Runs `compact`. @returns the exit code. @throws MemagentError family. */
export async function runCompact(config: Config, flags: CompactFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const apiKey = requireApiKey(config);
  const store = new MemoryStore({ dir: config.memoryDir });
  const { memory, exists } = await store.load(userId);
  const model = createModelClient({ apiKey, baseURL: config.baseURL, maxRetries: config.maxRetries, timeoutMs: config.requestTimeoutMs });
  const now = () => new Date();
  if (!flags.dryRun) {
    const recovered = await extractPending({ store, model, extractModel: config.extractModel, now }, userId);
    if (recovered.length) process.stderr.write(`memagent: saved ${recovered.length} pending session(s) first\n`);
  }
  if (!exists && memory.facts.length === 0) {
    process.stdout.write(`Nothing is remembered about ${userId} yet; nothing to compact.\n`);
    return 0;
  }
  const outcome = await compactMemory({ store, model, extractModel: config.extractModel, now }, userId, {
    dryRun: Boolean(flags.dryRun),
    allowLargeRemoval: Boolean(flags.yes),
  });
  const active = memory.facts.filter((f) => f.status === 'active').length;
  const touched = Object.keys(outcome.plan.seen).length;
  const lines = outcome.changes.map(describeChange);
  for (const w of outcome.plan.warnings) lines.push(`! ${w}`);
  lines.push(
    `${flags.dryRun ? 'Would change' : outcome.written ? 'Changed' : 'Changed nothing in'} ${userId}'s memory: ` +
      `${outcome.plan.merge.length} merged, ${outcome.plan.retract.length} retracted, ${active - touched} kept` +
      (flags.dryRun ? ' (dry run: nothing written)' : outcome.written ? ` (revision ${outcome.revision}; memagent undo --user ${userId} reverts)` : ''),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
