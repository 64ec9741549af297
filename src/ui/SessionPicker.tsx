/**
 * `chat --resume` without an id: a short list of the most recent conversations to pick from
 * before the chat starts. ↑/↓ (or k/j) move, Enter or a digit picks, Esc starts a new
 * conversation instead.
 */
import { Box, Text, render, useInput } from 'ink';
import { useRef, useState } from 'react';
import { terminalSafe, type EpisodeSummary } from '../core/index.js';
import { ThemeContext, colorFromEnv, createTheme, useTheme } from './theme.js';

/** Props: the sessions offered (newest first) and where the choice goes (null: none, start fresh). */
export interface SessionPickerProps {
  readonly sessions: readonly EpisodeSummary[];
  readonly onDone: (sessionId: string | null) => void;
}

/** One row (pure): `2026-11-30 14:02 · 6 turns · first line`, cut to `width`. */
export function pickerRow(s: EpisodeSummary, width: number): string {
  const row = `${s.startedAt.slice(0, 16).replace('T', ' ')} · ${s.turns} turn${s.turns === 1 ? '' : 's'} · ${terminalSafe(s.firstLine) || '(no user turn)'}`;
  return row.length > width ? `${row.slice(0, Math.max(10, width - 1))}…` : row;
}

/** The picker. Calls `onDone` once. */
export function SessionPicker({ sessions, onDone }: SessionPickerProps) {
  const theme = useTheme();
  const [at, setAtState] = useState(0);
  // Keys that arrive in one read (↓ then Enter) are handled before React re-renders: the
  // selection is read and moved through a ref, never a render's stale copy.
  const selected = useRef(0);
  const setAt = (move: (i: number) => number) => {
    selected.current = move(selected.current);
    setAtState(selected.current);
  };
  const done = useRef(false);
  const finish = (id: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(id);
  };
  useInput((input, key) => {
    if (key.upArrow || input === 'k') setAt((i) => Math.max(0, i - 1));
    else if (key.downArrow || input === 'j') setAt((i) => Math.min(sessions.length - 1, i + 1));
    else if (key.return) finish(sessions[selected.current]?.sessionId ?? null);
    else if (key.escape || (key.ctrl && input === 'c')) finish(null);
    else if (/^[1-9]$/.test(input) && Number(input) <= sessions.length) finish(sessions[Number(input) - 1].sessionId);
  });
  const width = (process.stdout.columns || 80) - 6;
  return (
    <Box flexDirection="column">
      <Text {...theme.tone('accent')}>Resume which conversation? (↑/↓ and Enter, or its number; Esc: a new one)</Text>
      {sessions.map((s, i) => (
        <Text key={s.sessionId} {...theme.tone(i === at ? 'normal' : 'dim')}>
          {i === at ? '› ' : '  '}
          {i + 1}. {pickerRow(s, width)}
        </Text>
      ))}
    </Box>
  );
}

/**
 * Shows the picker on the terminal and resolves with the chosen session id, or null (Esc, Ctrl+C).
 * The picker is gone from the screen when this resolves.
 */
export async function pickSession(sessions: readonly EpisodeSummary[]): Promise<string | null> {
  let chosen: string | null = null;
  const app = render(
    <ThemeContext.Provider value={createTheme(colorFromEnv(process.env))}>
      <SessionPicker
        sessions={sessions}
        onDone={(id) => {
          chosen = id;
          app.clear();
          app.unmount();
        }}
      />
    </ThemeContext.Provider>,
    { exitOnCtrlC: false, patchConsole: false },
  );
  await app.waitUntilExit();
  return chosen;
}
