/**
 * `memagent compact --user <id> [--dry-run] [--yes]`: saves pending journals first (not in a dry
 * run), then one model pass consolidates the memory; prints the diff.
 */
import { compactMemory, extractPending } from '../../core/chat.js';
import { describeCompaction, UsageError } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `compact`. */
export interface CompactFlags {
  user?: string;
  dryRun?: boolean;
  yes?: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Runs `compact`: validates the memory file before any model call, extracts pending journals
 * (unless `--dry-run`, which only counts them), then `compactMemory`. Prints the diff
 * (`describeCompaction`), the warnings and one result line on stdout; notes on stderr. A dry run
 * writes nothing.
 * @returns the exit code: 0.
 * @throws UsageError (exit 2) when the plan removes more than a third of the active facts without
 *   `--yes` (nothing compacted); ConfigError without an API key; ApiError, MemoryFileError,
 *   LockError, MemagentError (memory kept changing while compacting).
 */
export async function runCompact(services: Services, flags: CompactFlags): Promise<number> {
  const { config } = services;
  const userId = requireUser(flags.user);
  const model = services.model();
  const store = services.store;
  await store.load(userId); // a corrupt file stops us before any model call
  const now = () => new Date();
  if (flags.dryRun) {
    const pending = (await store.journals.listPending(userId)).length;
    if (pending) process.stderr.write(`memagent: ${plural(pending, 'pending session')} not included in this dry run (a real run saves them first)\n`);
  } else {
    const recovered = await extractPending({ store, model, extractModel: config.extractModel, now }, userId);
    if (recovered.length) process.stderr.write(`memagent: saved ${plural(recovered.length, 'pending session')} first\n`);
  }
  const { memory, exists } = await store.load(userId);
  if (!exists || (memory.facts.every((f) => f.status !== 'active') && memory.summary.trim() === '')) {
    process.stdout.write(`Nothing is remembered about ${userId} yet; nothing to compact.\n`);
    return 0;
  }
  const outcome = await compactMemory({ store, model, extractModel: config.extractModel, now }, userId, {
    dryRun: Boolean(flags.dryRun),
    allowLargeRemoval: Boolean(flags.yes),
  });
  const { removing, active } = outcome.removal;
  if (outcome.status === 'needs-confirmation') {
    throw new UsageError(
      `compaction would remove ${removing} of ${active} active facts (more than a third); review it with --dry-run, then add --yes to apply; nothing compacted`,
    );
  }
  if (outcome.replanned) process.stderr.write('memagent: another session changed the memory while the model was planning; planned again on the newer file\n');
  const { diff } = outcome;
  const mergedFacts = diff.merged.reduce((n, m) => n + m.from.length, 0);
  const counts = (done: boolean): string =>
    `${done ? 'merged' : 'merge'} ${plural(mergedFacts, 'fact')} into ${diff.merged.length}, ${done ? 'retracted' : 'retract'} ${diff.retracted.length}, ` +
    `${done ? 'kept' : 'keep'} ${diff.kept}${diff.summary ? `, ${done ? 'rewrote' : 'rewrite'} the summary` : ''}`;
  const lines = outcome.changes.length > 0 ? describeCompaction(diff) : [];
  for (const w of outcome.warnings) lines.push(`! ${w}`);
  switch (outcome.status) {
    case 'dry-run':
      lines.push(
        outcome.changes.length === 0
          ? `Dry run: the model proposes no change to ${userId}'s memory (${plural(diff.kept, 'fact')} kept).`
          : `Dry run, nothing written: would ${counts(false)}.` +
              (outcome.needsConfirmation ? ` Applying needs --yes: it removes ${removing} of ${active} active facts (more than a third).` : ''),
      );
      break;
    case 'applied':
      lines.push(`Compacted ${userId}'s memory: ${counts(true)} (revision ${outcome.revision}; memagent undo --user ${userId} reverts).`);
      break;
    default:
      lines.push(`Nothing to change in ${userId}'s memory (${plural(diff.kept, 'fact')} kept).`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
