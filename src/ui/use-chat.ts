/**
 * The one bridge between the REPL and `ChatSession`: turns what the user submits into turns and
 * commands, and the session's events into UI state. Finished things (user lines, completed
 * answer chunks, command output) are appended to `items` for `<Static>`; only the streaming
 * tail of the current answer is live. Deltas are batched (`FLUSH_MS`) so a fast stream costs a
 * few React renders per second, not one per token.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import { describeRecall, describeToolRun, type ChatSession, type SessionEvent } from '../core/index.js';
import { parseInput, type OutputLine } from './slash-commands.js';
import { AnswerStream, type AnswerChunk, type SplitLayout } from './stream-split.js';
import type { Tone } from './theme.js';

/** One finished piece of the transcript. `id` is unique and stable (the `<Static>` key). */
export type TranscriptItem =
  | { readonly id: number; readonly kind: 'user'; readonly text: string }
  /** Answer chunks that became final together (one flush); `first`: the first one opens the answer. */
  | { readonly id: number; readonly kind: 'answer'; readonly chunks: readonly AnswerChunk[]; readonly first: boolean }
  | { readonly id: number; readonly kind: 'line'; readonly line: OutputLine; readonly gapBefore: boolean };

/** A transcript item before it gets its id. */
type NewItem = TranscriptItem extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** The turn in flight: when it started, and the live tail once text arrives. */
export interface LiveTurn {
  readonly startedAt: number;
  /** The unfinished end of the answer (null before the first token or right after a chunk boundary). */
  readonly tail: AnswerChunk | null;
  /** True once the first text delta arrived (the spinner stops). */
  readonly streaming: boolean;
  /** Whether the tail is the first chunk of the answer (it gets a gap after the user line). */
  readonly first: boolean;
}

/** What `submit` did. */
export type SubmitResult = 'exit' | 'started' | 'ignored';

/** The chat as the App sees it. */
export interface Chat {
  readonly items: readonly TranscriptItem[];
  readonly live: LiveTurn | null;
  /** A turn or a command is running (state, for rendering). */
  readonly busy: boolean;
  /** Same as `busy`, current even before React re-renders (for key handlers). */
  isBusy(): boolean;
  /** Runs a submitted prompt: a turn, a command, a hint. `exit` asks the App to quit. */
  submit(text: string): SubmitResult;
  /** Stops a streaming answer (aborts its request). @returns false when no turn was running (or it was already stopped). */
  stop(): boolean;
  /** Appends a line to the transcript. */
  note(text: string, tone: Tone): void;
  /** Resolves when no turn or command is running. */
  idle(): Promise<void>;
}

/** Inputs of `useChat`. `layout` is read on every delta so a resize applies mid-answer. */
export interface ChatOptions {
  readonly memoryView: () => string;
  readonly layout: () => SplitLayout;
  /** Lines shown first (what is remembered, a tip). */
  readonly banner: readonly OutputLine[];
  /** Called after `/forget` removed something (it also scrubbed the input history file). */
  readonly onForgot: () => void;
  /** Called when `/clear` started a new conversation, before its line is shown (the REPL clears the screen). */
  readonly onCleared?: () => void;
}

/** Delay before pushing buffered deltas to React (ms): ~30 frames per second, Ink's own cap. */
export const FLUSH_MS = 33;

/** Drives `session`. Never throws: API and command failures become transcript lines. */
export function useChat(session: ChatSession, options: ChatOptions): Chat {
  const [items, setItems] = useState<readonly TranscriptItem[]>(() =>
    options.banner.map((line, i) => ({ id: -1 - i, kind: 'line', line, gapBefore: false })),
  );
  const [live, setLive] = useState<LiveTurn | null>(null);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const nextId = useRef(1);
  const controller = useRef<AbortController | null>(null);
  const running = useRef<Promise<void>>(Promise.resolve());
  const opts = useRef(options);
  opts.current = options;

  const append = useCallback((...added: NewItem[]) => {
    const withIds = added.map((item) => ({ ...item, id: nextId.current++ }) as TranscriptItem);
    setItems((prev) => [...prev, ...withIds]);
  }, []);

  const lines = useCallback(
    (out: readonly OutputLine[], gap = true) => append(...out.map((line, i) => ({ kind: 'line' as const, line, gapBefore: gap && i === 0 }))),
    [append],
  );

  const run = useCallback((job: () => Promise<void>) => {
    busyRef.current = true;
    setBusy(true);
    running.current = job()
      .catch((error: unknown) => {
        lines([{ text: `✗ ${error instanceof Error ? error.message : String(error)}`, tone: 'bad' }]);
      })
      .finally(() => {
        busyRef.current = false;
        setBusy(false);
      });
  }, [lines]);

  const turn = useCallback(
    async (text: string) => {
      append({ kind: 'user', text });
      const abort = new AbortController();
      controller.current = abort;
      let stream = new AnswerStream(() => opts.current.layout());
      // Set after a tool line: the blank lines the next round starts with are not shown.
      let afterTool = false;
      const startedAt = Date.now();
      let shown = 0;
      let streaming = false;
      let buffered: AnswerChunk[] = [];
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        if (buffered.length) {
          append({ kind: 'answer', chunks: buffered, first: shown === 0 });
          shown += buffered.length;
          buffered = [];
        }
        setLive({ startedAt, tail: stream.tail, streaming, first: shown === 0 });
      };
      setLive({ startedAt, tail: null, streaming: false, first: true });
      // A tool call's input arrives with `tool_call`; its one line is shown with the result.
      const calls = new Map<string, unknown>();
      const onEvent = (event: SessionEvent) => {
        switch (event.type) {
          case 'retry':
            lines([{ text: `retrying (attempt ${event.attempt}): ${event.reason}`, tone: 'dim' }], false);
            return;
          case 'text':
            if (afterTool && event.text.trim() === '') return;
            afterTool = false;
            streaming = true;
            buffered.push(...stream.push(event.text));
            timer ??= setTimeout(flush, FLUSH_MS);
            return;
          case 'notice':
            lines([{ text: `${event.level === 'warning' ? '! ' : ''}${event.text}`, tone: event.level === 'warning' ? 'warn' : 'dim' }], false);
            return;
          case 'recall':
            lines([{ text: describeRecall(event), tone: 'dim' }], false);
            return;
          case 'tool_call':
            calls.set(event.id, event.input);
            return;
          case 'tool_result':
            // The text before the call is shown before its line: end that part of the answer here.
            clearTimeout(timer);
            buffered.push(...stream.end());
            flush();
            stream = new AnswerStream(() => opts.current.layout());
            afterTool = true;
            lines([{ text: describeToolRun({ ...event, input: calls.get(event.id) }), tone: event.isError ? 'warn' : 'dim' }], false);
            return;
          default:
            return event satisfies never;
        }
      };
      try {
        const outcome = await session.send(text, onEvent, abort.signal);
        clearTimeout(timer);
        buffered.push(...stream.end());
        flush();
        if (outcome.type === 'interrupted') {
          lines([{ text: shown > 0 ? '⎯ interrupted' : '⎯ interrupted before the answer started', tone: 'dim' }], shown === 0);
        } else if (outcome.type === 'error') {
          lines([
            { text: `✗ ${outcome.error.message}`, tone: 'bad' },
            { text: '  Your message is in the history: press ↑ to send it again.', tone: 'dim' },
          ]);
        }
      } finally {
        clearTimeout(timer);
        controller.current = null;
        setLive(null);
      }
    },
    [session, append, lines],
  );

  const submit = useCallback(
    (text: string): SubmitResult => {
      if (busyRef.current) return 'ignored';
      const parsed = parseInput(text);
      switch (parsed.kind) {
        case 'empty':
          return 'ignored';
        case 'exit':
          return 'exit';
        case 'unknown':
          append({ kind: 'user', text });
          lines([{ text: parsed.hint, tone: 'warn' }], false);
          return 'started';
        case 'command':
          append({ kind: 'user', text });
          run(async () => {
            const result = await parsed.command.run(parsed.args, { session, memoryView: opts.current.memoryView });
            if (result.cleared) opts.current.onCleared?.();
            lines(result.lines, false);
            if (result.forgot) opts.current.onForgot();
          });
          return 'started';
        case 'message':
          run(() => turn(parsed.text));
          return 'started';
      }
    },
    [append, lines, run, turn, session],
  );

  return useMemo(
    () => ({
      items,
      live,
      busy,
      isBusy: () => busyRef.current,
      submit,
      stop() {
        // Already stopping counts as nothing to stop, so a second Ctrl+C reaches the exit logic.
        if (!controller.current || controller.current.signal.aborted) return false;
        controller.current.abort();
        return true;
      },
      note: (text: string, tone: Tone) => lines([{ text, tone }], false),
      idle: () => running.current,
    }),
    [items, live, busy, submit, lines],
  );
}
