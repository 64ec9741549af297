// `chat --resume` without an id: the picker a person moves through with the keyboard.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { EpisodeSummary } from '../src/core/recall/types.js';
import { SessionPicker, pickerRow } from '../src/ui/SessionPicker.js';

const summary = (sessionId: string, startedAt: string, turns: number, firstLine: string): EpisodeSummary => ({
  sessionId,
  startedAt,
  endedAt: startedAt,
  turns,
  firstLine,
});

const SESSIONS = [
  summary('s3', '2026-11-30T14:02:00.000Z', 6, 'pricing page ideas'),
  summary('s2', '2026-11-29T09:00:00.000Z', 1, 'hello'),
  summary('s1', '2026-11-20T18:30:00.000Z', 0, ''),
];

// Ink handles input on the next ticks: wait for it rather than a guessed delay per key.
const flush = () => new Promise((r) => setTimeout(r, 20));

async function pick(keys: string[]): Promise<{ chosen: string | null | undefined; frame: string }> {
  let chosen: string | null | undefined;
  const ui = render(<SessionPicker sessions={SESSIONS} onDone={(id) => (chosen = id)} />);
  await flush();
  const frame = ui.lastFrame() ?? '';
  for (const k of keys) {
    ui.stdin.write(k);
    await flush();
  }
  ui.unmount();
  return { chosen, frame };
}

describe('the session picker', () => {
  it('lists the sessions newest first with date, turns and first line, the first one selected', async () => {
    const { frame } = await pick([]);
    expect(frame.split('\n')).toEqual([
      'Resume which conversation? (↑/↓ and Enter, or its number; Esc: a new one)',
      '› 1. 2026-11-30 14:02 · 6 turns · pricing page ideas',
      '  2. 2026-11-29 09:00 · 1 turn · hello',
      '  3. 2026-11-20 18:30 · 0 turns · (no user turn)',
    ]);
  });

  it('Enter picks the selected one; ↓ moves the selection', async () => {
    expect((await pick(['\r'])).chosen).toBe('s3');
    expect((await pick(['\x1b[B', '\x1b[B', '\r'])).chosen).toBe('s1');
    expect((await pick(['\x1b[B', '\x1b[A', '\r'])).chosen).toBe('s3');
    // Typed faster than a render: one read holding ↓ and Enter.
    expect((await pick(['\x1b[B\r'])).chosen).toBe('s2');
  });

  it('a number picks that row; Esc picks none (a new conversation)', async () => {
    expect((await pick(['2'])).chosen).toBe('s2');
    expect((await pick(['9'])).chosen).toBeUndefined();
    expect((await pick(['\x1b'])).chosen).toBeNull();
  });

  it('cuts a long first line to the terminal width', () => {
    const row = pickerRow(summary('s', '2026-11-30T14:02:00.000Z', 2, 'x'.repeat(200)), 60);
    expect(row).toHaveLength(60);
    expect(row.endsWith('…')).toBe(true);
  });
});
