/**
 * Memory changes in words, for the exit diff, `compact` and signals: `+ prefers metric units`,
 * `~ lives in Porto (was Lisbon)`, `- retracted: …`. Plain text, no colour: front ends colour it.
 */
import type { CompactionDiff } from '../core/compaction.js';
import type { ExtractionOutcome } from '../core/extraction.js';
import { describeChange as describeOne, summarizeChanges } from '../core/describe-changes.js';
import type { MemoryChange } from '../core/schema.js';

/** One line for one change (pure); the wording is shared with the REPL (core/describe-changes.ts). */
export function describeChange(change: MemoryChange): string {
  return describeOne(change).text;
}

/** The lines shown after an extraction (pure): each change, a count line, and where it was written. */
export function describeChanges(outcome: ExtractionOutcome): string[] {
  if (!outcome.extracted) return ['Nothing to remember from this session.'];
  const visible = outcome.changes.filter((c) => c.type !== 'summary');
  const lines = visible.length === 0 ? ['Nothing new to remember.'] : visible.map(describeChange);
  const { added, updated, removed, notes } = summarizeChanges(outcome);
  lines.push(
    `Memory saved: +${added} added, ~${updated} updated, -${removed} removed → ${outcome.memoryPath} (revision ${outcome.revision})${notes.length ? ` · ${notes.join(', ')}` : ''}`,
  );
  return lines;
}

/**
 * A compaction as a diff, one item per line: `+ <id>  <text>  (merges N facts)` for each new
 * merged fact, `- <id>  <text>  (merged into <id>)` for each fact it supersedes,
 * `- <id>  <text>  (retracted: <reason>)`, then the summary as `~ summary` with `-`/`+` lines,
 * and `= N facts kept`. Plain text, no colour.
 */
export function describeCompaction(diff: CompactionDiff): string[] {
  const lines: string[] = [];
  for (const m of diff.merged) {
    lines.push(`+ ${m.into.id}  ${m.into.text}  (merges ${m.from.length} facts)`);
    for (const f of m.from) lines.push(`- ${f.id}  ${f.text}  (merged into ${m.into.id})`);
  }
  for (const r of diff.retracted) lines.push(`- ${r.fact.id}  ${r.fact.text}  (retracted: ${r.reason || 'no reason given'})`);
  if (diff.summary) {
    lines.push('~ summary');
    lines.push(`    - ${diff.summary.before || '(none)'}`);
    lines.push(`    + ${diff.summary.after}`);
  }
  lines.push(`= ${diff.kept} fact${diff.kept === 1 ? '' : 's'} kept`);
  return lines;
}
