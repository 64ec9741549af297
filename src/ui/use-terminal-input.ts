/**
 * Keyboard input for the prompt: raw mode on while mounted, Ink's raw input events decoded into
 * `KeyEvent`s (see keys.ts), and bracketed paste mode on while mounted so a paste arrives as one
 * event. Ink 6 has no paste API and `useInput` strips the ESC of `ESC[200~`, so this hook listens
 * to the raw events Ink's stdin context emits (`internal_eventEmitter`, the same source
 * `useInput` reads).
 */
import { useStdin, useStdout } from 'ink';
import { useEffect, useRef } from 'react';
import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON, createKeyDecoder, type KeyEvent } from './keys.js';

/** A paste whose end marker has not come after this long is taken as ended (a terminal that lost it). */
const PASTE_STALL_MS = 1000;

/**
 * Calls `onKey` for each key, typed text run or whole paste, in order. `onKey` may change between
 * renders; the latest one is called. Restores the terminal (raw mode off, bracketed paste off)
 * when the component unmounts or `active` turns false, and takes it again when it turns true.
 */
export function useTerminalInput(onKey: (event: KeyEvent) => void, active = true): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  const { stdout } = useStdout();
  const handler = useRef(onKey);
  handler.current = onKey;

  useEffect(() => {
    // Inactive (suspended with Ctrl+Z): the terminal is the shell's, cooked and without paste mode.
    if (!active) return;
    if (isRawModeSupported) setRawMode(true);
    const tty = Boolean((stdout as { isTTY?: boolean }).isTTY);
    if (tty) stdout.write(BRACKETED_PASTE_ON);
    const decoder = createKeyDecoder();
    let stall: NodeJS.Timeout | undefined;
    const emit = (keys: KeyEvent[]) => {
      for (const key of keys) handler.current(key);
    };
    const onInput = (raw: string) => {
      clearTimeout(stall);
      emit(decoder.push(raw));
      if (decoder.inPaste) stall = setTimeout(() => emit(decoder.flushPaste()), PASTE_STALL_MS);
    };
    events.on('input', onInput);
    return () => {
      clearTimeout(stall);
      events.off('input', onInput);
      if (tty) stdout.write(BRACKETED_PASTE_OFF);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [events, setRawMode, isRawModeSupported, stdout, active]);
}
