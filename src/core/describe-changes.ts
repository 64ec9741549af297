/**
 * Memory changes in words: the one place that words them for every front end. The exit report
 * of the REPL (`describeSave`), pipe mode and signals (`describeChanges`), `/remember`
 * (`describeRemembered`) and `compact` (`describeCompaction`) all read their lines from here:
 * `+ prefers metric units`, `~ lives in Porto (was: Lisbon)`, `- retracted: …`,
 * `= already known: …`. Plain text plus a tone; front ends only colour and print. Stored and
 * proposed texts go through `terminalSafe`, so a line never carries an escape sequence the
 * user typed. Pure.
 */
import type { CompactionDiff } from './compaction-plan.js';
import type { ExtractionOutcome } from './extraction.js';
import { formatDroppedItem, type DroppedItem } from './grounding-report.js';
import type { MemoryChange } from './schema.js';
import { terminalSafe as safe } from './terminal-safe.js';

/** How a line should look: good (added), warn (changed), bad (removed), dim (no-op), normal (plain). */
export type ChangeTone = 'good' | 'warn' | 'bad' | 'dim' | 'normal';

/** One line of a report and how front ends may colour it. */
export interface ChangeLine {
  readonly text: string;
  readonly tone: ChangeTone;
}

/** One change as one line of the exit diff (pure). */
export function describeChange(change: MemoryChange): ChangeLine {
  switch (change.type) {
    case 'add':
      return { text: `+ ${safe(change.text)}`, tone: 'good' };
    case 'decision':
      return { text: `+ decided: ${safe(change.text)}`, tone: 'good' };
    case 'update':
    case 'supersede':
      return { text: `~ ${safe(change.text)} (was: ${safe(change.was)})`, tone: 'warn' };
    case 'retract':
      return { text: `- retracted: ${safe(change.text)}`, tone: 'bad' };
    case 'evict':
      // Still true and searchable: only out of the memory the model sees at every turn.
      return { text: `- moved to archival memory (still searchable): ${safe(change.text)}`, tone: 'dim' };
    case 'refresh':
      return { text: `= already known: ${safe(change.text)}`, tone: 'dim' };
    case 'summary':
      return { text: '~ summary rewritten', tone: 'dim' };
  }
}

/** How `/remember` reports one change of what it just stored (pure). */
export function describeRemembered(change: MemoryChange): ChangeLine {
  if (change.type === 'refresh') return { text: `= already known: ${safe(change.text)}`, tone: 'dim' };
  if (change.type === 'update' || change.type === 'supersede') return { text: `~ remembered: ${safe(change.text)} (was ${safe(change.was)})`, tone: 'good' };
  if (change.type === 'evict') return { text: `- moved to archival memory to make room (still searchable): ${safe(change.text)}`, tone: 'dim' };
  return { text: `+ remembered: ${safe(change.text)}`, tone: 'good' };
}

/**
 * One line per proposed item grounding did not keep, in the grounding report's words:
 * `not kept: 'Lives in Zürich' — quote not found in your words` (`formatDroppedItem`, made
 * terminal-safe). [] when nothing was dropped or the outcome does not list them. Pure.
 */
export function describeDropped(outcome: { dropped?: readonly DroppedItem[] }): ChangeLine[] {
  return (outcome.dropped ?? []).map((item) => ({ text: safe(formatDroppedItem(item)), tone: 'warn' }));
}

/**
 * Counts of an extraction's visible changes (`known`: items absorbed into a fact already there,
 * refreshes; `archived`: facts evicted from the memory file to archival memory, not counted in
 * `removed` since they are still kept and searchable), and the notes about what was redacted, and dropped when the dropped items are not
 * listed one by one (`describeDropped`).
 */
export function summarizeChanges(outcome: {
  changes: MemoryChange[];
  droppedUngrounded: number;
  dropped?: readonly DroppedItem[];
  redacted: number;
}): { added: number; updated: number; removed: number; archived: number; known: number; notes: string[] } {
  const visible = outcome.changes.filter((c) => c.type !== 'summary');
  const notes: string[] = [];
  if (outcome.dropped === undefined && outcome.droppedUngrounded > 0) {
    notes.push(`${outcome.droppedUngrounded} proposed item(s) dropped: not backed by your own words`);
  }
  if (outcome.redacted > 0) notes.push(`${outcome.redacted} secret(s) redacted before saving`);
  return {
    added: visible.filter((c) => c.type === 'add' || c.type === 'decision').length,
    updated: visible.filter((c) => c.type === 'update' || c.type === 'supersede').length,
    removed: visible.filter((c) => c.type === 'retract').length,
    archived: visible.filter((c) => c.type === 'evict').length,
    known: visible.filter((c) => c.type === 'refresh').length,
    notes,
  };
}

/** How the REPL's exit save ended, as its report shows it. */
export type SaveReport =
  | { readonly kind: 'saved'; readonly outcome: ExtractionOutcome }
  | { readonly kind: 'incognito' }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * The REPL's exit report, first line first (pure): what the extraction pass changed, each
 * proposed item that was not kept and why (`describeDropped`), and where it was written, or why
 * nothing was saved.
 */
export function describeSave(report: SaveReport): ChangeLine[] {
  if (report.kind === 'incognito') return [{ text: 'Incognito: nothing saved.', tone: 'dim' }];
  if (report.kind === 'failed') {
    return [{ text: `Could not save memory now (${report.message}); this session is kept and will be saved next time.`, tone: 'bad' }];
  }
  const { outcome } = report;
  const changes = outcome.changes.filter((c) => c.type !== 'summary');
  const lines: ChangeLine[] = [];
  if (changes.length === 0) {
    lines.push({ text: 'Nothing new to remember.', tone: 'dim' });
  } else {
    lines.push({ text: `Memory updated (${changes.length} change${changes.length === 1 ? '' : 's'}):`, tone: 'normal' });
    lines.push(...changes.map(describeChange));
  }
  lines.push(...describeDropped(outcome));
  if (outcome.changes.length > 0) lines.push({ text: `Saved to ${outcome.memoryPath}`, tone: 'dim' });
  for (const note of summarizeChanges(outcome).notes) lines.push({ text: `(${note})`, tone: 'dim' });
  for (const warning of outcome.warnings) lines.push({ text: `! ${safe(warning)}`, tone: 'dim' });
  return lines;
}

/**
 * The lines printed after an extraction in pipe mode and on signals (pure): each change, each
 * proposed item that was not kept (`describeDropped`), then a count line with where and at which revision it was written. The count line names the items
 * moved to archival memory and those that were already known when there are any, so its counts add up to every item reported.
 */
export function describeChanges(outcome: ExtractionOutcome): string[] {
  if (!outcome.extracted) return ['Nothing to remember from this session.'];
  if (outcome.written === false) {
    const { notes } = summarizeChanges(outcome);
    return [`Nothing new to remember; memory unchanged (revision ${outcome.revision})${notes.length ? ` · ${notes.join(', ')}` : ''}.`];
  }
  const visible = outcome.changes.filter((c) => c.type !== 'summary');
  const lines = visible.length === 0 ? ['Nothing new to remember.'] : visible.map((c) => describeChange(c).text);
  lines.push(...describeDropped(outcome).map((l) => l.text));
  const { added, updated, removed, archived, known, notes } = summarizeChanges(outcome);
  lines.push(
    `Memory saved: +${added} added, ~${updated} updated, -${removed} removed${archived > 0 ? `, ${archived} moved to archival memory` : ''}${known > 0 ? `, =${known} already known` : ''} → ${outcome.memoryPath} (revision ${outcome.revision})${notes.length ? ` · ${notes.join(', ')}` : ''}`,
  );
  return lines;
}

/**
 * A compaction as a diff, one item per line (pure): `+ <id>  <text>  (merges N facts)` for each
 * new merged fact, `- <id>  <text>  (merged into <id>)` for each fact it supersedes,
 * `- <id>  <text>  (retracted: <reason>)`, then the summary as `~ summary` with `-`/`+` lines,
 * and `= N facts kept`.
 */
export function describeCompaction(diff: CompactionDiff): string[] {
  const lines: string[] = [];
  for (const m of diff.merged) {
    lines.push(`+ ${m.into.id}  ${safe(m.into.text)}  (merges ${m.from.length} facts)`);
    for (const f of m.from) lines.push(`- ${f.id}  ${safe(f.text)}  (merged into ${m.into.id})`);
  }
  for (const r of diff.retracted) lines.push(`- ${r.fact.id}  ${safe(r.fact.text)}  (retracted: ${safe(r.reason) || 'no reason given'})`);
  if (diff.summary) {
    lines.push('~ summary');
    lines.push(`    - ${safe(diff.summary.before) || '(none)'}`);
    lines.push(`    + ${safe(diff.summary.after)}`);
  }
  lines.push(`= ${diff.kept} fact${diff.kept === 1 ? '' : 's'} kept`);
  return lines;
}

/**
 * How `memagent edit` (and `/pin`, `/unpin`) report a tag change of a fact: `* pinned: …`,
 * `* unpinned: …`, `* now preference, medium: …` (pure).
 */
export function describeRetag(retag: { text: string; pinned?: boolean; kind?: string; confidence?: string }): ChangeLine {
  const parts: string[] = [];
  if (retag.pinned !== undefined) parts.push(retag.pinned ? 'pinned' : 'unpinned');
  const tags = [retag.kind, retag.confidence].filter(Boolean).join(', ');
  if (tags) parts.push(`now ${tags}`);
  return { text: `* ${parts.join(', ')}: ${safe(retag.text)}`, tone: 'warn' };
}
