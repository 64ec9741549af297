/**
 * The exit report in words: what the extraction pass changed in memory (`+ prefers metric
 * units`, `~ lives in Porto (was Lisbon)`, `- retracted: …`, `= already known: …`) and where it
 * was written; or why nothing was saved. Pure.
 */
import type { ExtractionOutcome } from '../core/extraction.js';
import { describeChange as describeOne, summarizeChanges } from '../core/describe-changes.js';
import type { MemoryChange } from '../core/schema.js';
import type { OutputLine } from './slash-commands.js';

/** How the exit save ended, as the report shows it. */
export type SaveReport =
  | { readonly kind: 'saved'; readonly outcome: ExtractionOutcome }
  | { readonly kind: 'incognito' }
  | { readonly kind: 'failed'; readonly message: string };

/** One memory change as a line of the diff (the wording shared with pipe mode and `compact`). */
export function describeChange(change: MemoryChange): OutputLine {
  return describeOne(change);
}

/** The whole report, first line first. */
export function describeSave(report: SaveReport): OutputLine[] {
  if (report.kind === 'incognito') return [{ text: 'Incognito: nothing saved.', tone: 'dim' }];
  if (report.kind === 'failed') {
    return [{ text: `Could not save memory now (${report.message}); this session is kept and will be saved next time.`, tone: 'bad' }];
  }
  const { outcome } = report;
  const changes = outcome.changes.filter((c) => c.type !== 'summary');
  const lines: OutputLine[] = [];
  if (changes.length === 0) {
    lines.push({ text: 'Nothing new to remember.', tone: 'dim' });
  } else {
    lines.push({ text: `Memory updated (${changes.length} change${changes.length === 1 ? '' : 's'}):`, tone: 'normal' });
    lines.push(...changes.map(describeChange));
  }
  if (outcome.changes.length > 0) lines.push({ text: `Saved to ${outcome.memoryPath}`, tone: 'dim' });
  for (const note of summarizeChanges(outcome).notes) lines.push({ text: `(${note})`, tone: 'dim' });
  for (const warning of outcome.warnings) lines.push({ text: `! ${warning}`, tone: 'dim' });
  return lines;
}
