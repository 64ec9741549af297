/**
 * The chat screen: finished transcript items in `<Static>` (written once, never redrawn), then
 * the live region — the streaming tail of the answer, the prompt, a hint line and the status
 * line — kept well under the terminal's height so Ink never falls back to clearing the screen.
 * Owns the key bindings that are about the session rather than the text: Enter, Esc, Ctrl+C,
 * Ctrl+D. Exits (resolving `waitUntilExit` with an `AppExit`) once no turn is running.
 */
import { Box, Static, Text, useApp, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChatSession, InputHistorySource } from '../core/index.js';
import type { KeyEvent } from './keys.js';
import { earlierLines, type EarlierConversation } from './earlier-transcript.js';
import { InputLine } from './InputLine.js';
import { commandMenu } from './slash-commands.js';
import { LiveAnswer } from './LiveAnswer.js';
import { StatusLine } from './StatusLine.js';
import { TranscriptItemView } from './TranscriptItem.js';
import { useTheme } from './theme.js';
import { useChat, type TranscriptItem } from './use-chat.js';
import { usePrompt } from './use-prompt.js';
import { useTerminalInput } from './use-terminal-input.js';
import { useTerminalSize } from './use-terminal-size.js';

/** How the user left; the value `waitUntilExit()` resolves with. */
export interface AppExit {
  readonly reason: 'exit' | 'ctrl-c' | 'ctrl-d' | 'signal';
}

/** Props of `App`. */
export interface AppProps {
  readonly session: ChatSession;
  /** The user's prompt history. */
  readonly inputHistory: InputHistorySource;
  /** The first line: what is remembered about the user. */
  readonly memoryLine: string;
  /** The memory as `/memory` prints it. */
  readonly memoryView: () => string;
  /** Aborted when the process is asked to stop (SIGINT/SIGTERM): the app leaves as on `/exit`. */
  readonly leave?: AbortSignal;
  /**
   * Ctrl+Z: stops the process until `fg` (the CLI owns the signals), calling `resume` once it
   * runs again. Called after the live region is gone and the terminal restored. Absent: Ctrl+Z does nothing.
   */
  readonly onSuspend?: (resume: () => void) => void;
  /** `chat --continue` / `--resume`: the reopened conversation, shown above the new turns. */
  readonly earlier?: EarlierConversation;
}

/** Clears the screen and its scroll-back, cursor home: Ctrl+L and `/clear`. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

/** Wait between hiding the live region and stopping on Ctrl+Z (ms): more than one frame at 30 fps. */
const SUSPEND_AFTER_MS = 60;

/** Most lines the `/` menu shows under the prompt. */
const MENU_ROWS = 12;

/** Two Ctrl+C presses within this window exit (ms), as in Claude Code and Node's REPL. */
export const CTRL_C_WINDOW_MS = 2000;

/** Rows of the live region for the prompt text and for the streaming tail, from the terminal height. */
export function liveBudget(rows: number): { inputRows: number; answerRows: number; splitRows: number } {
  const inputRows = Math.max(1, Math.min(8, Math.floor(rows / 4)));
  // Status line, hint line, margins and the "more lines" notes take about 6 rows.
  const answerRows = Math.max(3, rows - inputRows - 6);
  // Split well before the limit: the row estimate does not know about frames and list indents.
  return { inputRows, answerRows, splitRows: Math.max(2, Math.floor(answerRows * 0.6)) };
}

/** The first line: what is remembered, and where to look. */
export function bannerLine(memoryLine: string): string {
  const remembers = /^Remembering /.test(memoryLine) && !memoryLine.includes('/memory');
  return `${memoryLine}${remembers ? ' · /memory to see them' : ''} · /help for commands`;
}

/** The chat app. Render it inside a `ThemeContext` provider. */
export function App({ session, inputHistory, memoryLine, memoryView, leave, onSuspend, earlier }: AppProps) {
  const { exit } = useApp();
  const { write } = useStdout();
  const theme = useTheme();
  const { columns, rows } = useTerminalSize();
  const budget = liveBudget(rows);
  const layout = useRef({ columns, maxLiveRows: budget.splitRows });
  layout.current = { columns, maxLiveRows: budget.splitRows };
  // The prompt is created after the chat (it reports to it), so the chat reaches it through a ref.
  const reloadHistory = useRef(() => {});
  const chat = useChat(session, {
    memoryView,
    layout: () => layout.current,
    banner: [{ text: bannerLine(memoryLine), tone: 'accent' }, ...(earlier ? earlierLines(earlier, columns) : [])],
    onForgot: () => reloadHistory.current(),
    onCleared: () => write(CLEAR_SCREEN),
  });
  const prompt = usePrompt(inputHistory, (message) => chat.note(message, 'warn'), !session.options.incognito);
  reloadHistory.current = prompt.reloadHistory;
  const [hint, setHint] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [suspended, setSuspended] = useState(false);
  const ctrlCAt = useRef(0);
  const exiting = useRef(false);
  // Messages sent while an answer streams wait here and go, in order, once it is done.
  const queue = useRef<string[]>([]);
  const [queued, setQueued] = useState<readonly string[]>([]);
  const setQueue = (next: string[]) => {
    queue.current = next;
    setQueued(next);
  };

  useEffect(() => {
    if (chat.busy || exiting.current || queue.current.length === 0) return;
    const [next, ...rest] = queue.current;
    setQueue(rest);
    if (chat.submit(next) === 'exit') quit('exit');
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs when a turn ends or the queue changes
  }, [chat.busy, queued]);

  // A stopped answer takes the queue back into the prompt: nothing typed is lost or sent unasked.
  const stopAnswer = (): boolean => {
    const stopped = chat.stop();
    if (stopped && queue.current.length > 0) {
      prompt.restore([...queue.current, ...(prompt.isEmpty() ? [] : [prompt.editor.text])].join('\n'));
      setQueue([]);
    }
    return stopped;
  };
  // `--review`: a memory tool write waiting for the user's y/n while the turn runs.
  const [toolAsk, setToolAsk] = useState<{ change: string; answer: (ok: boolean) => void } | null>(null);
  const toolAskRef = useRef(toolAsk);
  toolAskRef.current = toolAsk;
  useEffect(() => {
    if (!session.options.review) return;
    session.tools.setReview(
      (change) =>
        new Promise<boolean>((resolve) =>
          setToolAsk({
            change,
            answer: (ok) => {
              setToolAsk(null);
              resolve(ok);
            },
          }),
        ),
    );
    return () => session.tools.setReview(undefined);
  }, [session]);

  useEffect(() => {
    if (!hint) return;
    const timer = setTimeout(() => setHint(null), CTRL_C_WINDOW_MS);
    return () => clearTimeout(timer);
  }, [hint]);

  const quit = useCallback(
    (reason: AppExit['reason']) => {
      if (exiting.current) return;
      exiting.current = true;
      // A memory-tool write waiting for y/n is not saved: the turn is stopping, and an unanswered
      // question would keep the turn (and the exit) waiting forever.
      toolAskRef.current?.answer(false);
      chat.stop();
      // Draw no live region any more, so the prompt and status line do not stay on screen.
      setLeaving(true);
      // Let a stopped turn record itself in the journal before the session is finished, and
      // the empty frame render, before unmounting.
      void chat.idle().then(() => setImmediate(() => exit({ reason } satisfies AppExit)));
    },
    [chat, exit],
  );

  // SIGINT/SIGTERM from outside (kill): leave as on /exit.
  useEffect(() => {
    if (!leave) return;
    const onLeave = () => quit('signal');
    if (leave.aborted) onLeave();
    leave.addEventListener('abort', onLeave, { once: true });
    return () => leave.removeEventListener('abort', onLeave);
  }, [leave, quit]);

  const onCtrlC = () => {
    const now = Date.now();
    if (prompt.search) return prompt.endSearch(false);
    if (stopAnswer()) {
      ctrlCAt.current = now;
      setHint('Stopped. Press Ctrl+C again to exit.');
    } else if (!prompt.isEmpty()) {
      prompt.clear();
      ctrlCAt.current = 0;
      setHint('Cleared (↑ brings it back)');
    } else if (now - ctrlCAt.current <= CTRL_C_WINDOW_MS) {
      quit('ctrl-c');
    } else {
      ctrlCAt.current = now;
      setHint('Press Ctrl+C again to exit');
    }
  };

  const onEnter = () => {
    if (prompt.search) return prompt.endSearch(true);
    if (prompt.continueLine()) return;
    if (chat.isBusy() || queue.current.length > 0) {
      const text = prompt.take();
      if (text !== null) setQueue([...queue.current, text]);
      return;
    }
    const text = prompt.take();
    if (text !== null && chat.submit(text) === 'exit') quit('exit');
  };

  useTerminalInput((event: KeyEvent) => {
    if (exiting.current || suspended) return;
    const ask = toolAskRef.current;
    if (ask) {
      // y or Enter saves it; n, Esc or Ctrl+C does not (Ctrl+C then goes on to stop the answer).
      const key = event.type === 'text' ? event.text.toLowerCase() : event.type === 'key' ? event.name : '';
      if (key === 'y' || key === 'enter') ask.answer(true);
      else if (key === 'n' || key === 'escape' || key === 'ctrl-c') ask.answer(false);
      if (key !== 'ctrl-c') return;
    }
    if (event.type === 'key' && event.name === 'ctrl-c') return onCtrlC();
    ctrlCAt.current = 0;
    if (hint) setHint(null);
    if (event.type !== 'key') return prompt.edit(event);
    switch (event.name) {
      case 'enter':
        return onEnter();
      case 'escape':
        if (prompt.search) return prompt.endSearch(false);
        stopAnswer();
        return;
      case 'ctrl-d':
        if (prompt.isEmpty() && queue.current.length > 0) {
          // Leaving now would drop what was queued: it comes back to the prompt instead.
          prompt.restore(queue.current.join('\n'));
          setQueue([]);
          return setHint('Your queued messages are back in the prompt; Enter sends them, Ctrl+C twice quits.');
        }
        if (prompt.isEmpty()) return quit('ctrl-d');
        return prompt.edit({ type: 'key', name: 'delete' });
      case 'ctrl-l':
        return write(CLEAR_SCREEN);
      case 'ctrl-z':
        if (!onSuspend) return;
        setSuspended(true);
        // Once the frame without the live region is drawn (frames are throttled), stop.
        setTimeout(() => onSuspend(() => setSuspended(false)), SUSPEND_AFTER_MS);
        return;
      default:
        return prompt.edit(event);
    }
  }, !suspended);

  const dim = theme.tone('dim');
  const menu = prompt.search ? [] : commandMenu(prompt.editor.text);
  return (
    <>
      <Static items={chat.items as TranscriptItem[]} style={{ width: columns }}>
        {(item) => <TranscriptItemView key={item.id} item={item} width={columns} />}
      </Static>
      {leaving || suspended ? null : (
        <>
          {chat.live ? <LiveAnswer live={chat.live} width={columns} maxRows={budget.answerRows} /> : null}
          <Box marginTop={1} flexDirection="column">
            {queued.map((text, i) => (
              <Text key={`${i}:${text}`} {...dim}>
                {`queued: ${oneLine(text, columns - 9)}`}
              </Text>
            ))}
            <InputLine
              editor={prompt.editor}
              width={columns}
              maxRows={budget.inputRows}
              placeholder={chat.busy ? 'answering… Esc stops it; Enter queues your next message' : 'Send a message · / for commands'}
            />
            {toolAsk ? <Text {...theme.tone('accent')}>{`Save to memory? ${toolAsk.change}  [Y]es · [n]o`}</Text> : null}
            {hint ? <Text {...theme.tone('warn')}>{hint}</Text> : null}
            {prompt.search ? (
              <Text {...dim}>
                {`search history: ${prompt.search.query || '…'}${prompt.search.query && !prompt.search.found ? ' (no match)' : ''} · Ctrl+R older · Enter keep · Esc cancel`}
              </Text>
            ) : null}
            {menu.length > 0 ? (
              menu.slice(0, MENU_ROWS).map((line) => (
                <Text key={line} {...dim}>
                  {line}
                </Text>
              ))
            ) : prompt.candidates.length > 0 ? (
              <Text {...dim}>{prompt.candidates.map((c) => `/${c}`).join('  ')}</Text>
            ) : null}
            <StatusLine
              userId={session.options.userId}
              model={session.options.model}
              turns={session.turnCount}
              usage={session.usage}
              spend={session.spend}
              live={chat.live}
              busy={chat.busy}
              incognito={session.options.incognito}
            />
          </Box>
        </>
      )}
    </>
  );
}

/** The first line of `text`, cut to `width` columns with `…`. */
function oneLine(text: string, width: number): string {
  const first = text.split('\n')[0];
  const more = first.length < text.length;
  if (first.length <= width && !more) return first;
  return `${first.slice(0, Math.max(1, width - 1))}…`;
}
