/**
 * Memory changes in words, the one wording every front end uses (exit diff in the REPL, pipe
 * mode, signals, compact): `+ prefers metric units`, `~ lives in Porto (was: Lisbon)`,
 * `- retracted: …`, `= already known: …`. Plain text plus a tone that front ends may colour.
 */
import type { MemoryChange } from './schema.js';

/** How a line should look: good (added), warn (changed), bad (removed), dim (no-op). */
export type ChangeTone = 'good' | 'warn' | 'bad' | 'dim';

/** One change as one line (pure). */
export function describeChange(change: MemoryChange): { text: string; tone: ChangeTone } {
  switch (change.type) {
    case 'add':
      return { text: `+ ${change.text}`, tone: 'good' };
    case 'decision':
      return { text: `+ decided: ${change.text}`, tone: 'good' };
    case 'update':
    case 'supersede':
      return { text: `~ ${change.text} (was: ${change.was})`, tone: 'warn' };
    case 'retract':
      return { text: `- retracted: ${change.text}`, tone: 'bad' };
    case 'evict':
      return { text: `- dropped to stay within limits: ${change.text}`, tone: 'bad' };
    case 'refresh':
      return { text: `= already known: ${change.text}`, tone: 'dim' };
    case 'summary':
      return { text: '~ summary rewritten', tone: 'dim' };
  }
}

/** Counts of an extraction's visible changes, and the notes about what was dropped or redacted. */
export function summarizeChanges(outcome: {
  changes: MemoryChange[];
  droppedUngrounded: number;
  redacted: number;
}): { added: number; updated: number; removed: number; notes: string[] } {
  const visible = outcome.changes.filter((c) => c.type !== 'summary');
  const notes: string[] = [];
  if (outcome.droppedUngrounded > 0) {
    notes.push(`${outcome.droppedUngrounded} proposed item(s) dropped: not backed by your own words`);
  }
  if (outcome.redacted > 0) notes.push(`${outcome.redacted} secret(s) redacted before saving`);
  return {
    added: visible.filter((c) => c.type === 'add' || c.type === 'decision').length,
    updated: visible.filter((c) => c.type === 'update' || c.type === 'supersede').length,
    removed: visible.filter((c) => c.type === 'retract' || c.type === 'evict').length,
    notes,
  };
}
