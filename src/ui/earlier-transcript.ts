/**
 * `chat --continue` / `--resume`: the reopened conversation drawn at the top of the REPL, above
 * the new session's turns, as lines of the transcript (written once into `<Static>`). Long turns
 * are abridged like pasted messages; only the last turns are drawn (all of them were restored).
 */
import { terminalSafe } from '../core/index.js';
import type { OutputLine } from './slash-commands.js';
import { abridge } from './TranscriptItem.js';

/** Turns drawn of a reopened conversation: enough to pick up the thread, few enough not to bury the prompt. */
export const EARLIER_TURNS_SHOWN = 12;

/** A reopened conversation as the REPL shows it: a title line and its turns, oldest first. */
export interface EarlierConversation {
  readonly title: string;
  readonly turns: ReadonlyArray<{ readonly role: 'user' | 'assistant'; readonly text: string; readonly interrupted?: boolean }>;
}

/** The lines that show `earlier` in a terminal `width` columns wide (pure). */
export function earlierLines(earlier: EarlierConversation, width: number): OutputLine[] {
  const shown = earlier.turns.filter((t) => t.text.trim() !== '').slice(-EARLIER_TURNS_SHOWN);
  const hidden = earlier.turns.filter((t) => t.text.trim() !== '').length - shown.length;
  const lines: OutputLine[] = [{ text: `── ${earlier.title} ──`, tone: 'accent' }];
  if (hidden > 0) lines.push({ text: `… ${hidden} earlier turn${hidden === 1 ? '' : 's'} not shown (all were restored)`, tone: 'dim' });
  for (const turn of shown) {
    const { shown: text, note } = abridge(terminalSafe(turn.text, { multiline: true }), width);
    if (turn.role === 'user') lines.push({ text: `› ${text}`, tone: 'dim' });
    else lines.push({ text: `${text}${turn.interrupted ? ' ⎯ interrupted' : ''}`, tone: 'normal' });
    if (note) lines.push({ text: `  ${note.replace('sent in full', 'restored in full')}`, tone: 'dim' });
  }
  lines.push({ text: '── the conversation goes on from here ──', tone: 'accent' });
  return lines;
}
