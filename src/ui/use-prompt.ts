/**
 * The prompt's state: the text being edited (see line-editor.ts), Up/Down history persisted per
 * user, and Tab completion of command names. Key handlers read the state through a ref, so keys
 * that arrive faster than React re-renders (typed text, then Enter, in one read) see each other.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { InputHistoryFile, InputHistorySource } from '../core/index.js';
import { pushEntry, searchHistory, stepHistory, type HistoryCursor } from './history.js';
import type { KeyEvent } from './keys.js';
import * as ed from './line-editor.js';
import { completeCommand } from './slash-commands.js';

/** The prompt as the App sees it. */
export interface Prompt {
  readonly editor: ed.EditorState;
  /** Command names Tab found when it could not complete uniquely (shown under the prompt). */
  readonly candidates: readonly string[];
  /** True when the prompt holds no text (read from the ref: current even mid-batch). */
  isEmpty(): boolean;
  /** Applies an editing key (text, paste, cursor, deletion, history, Tab); other keys are ignored. */
  edit(event: KeyEvent): void;
  /** Enter after a `\`: turns it into a line break. @returns false when there was no `\`. */
  continueLine(): boolean;
  /**
   * Takes the text for submission: records it in the history (memory and file) and empties the
   * prompt. @returns null for a blank prompt (nothing happens).
   */
  take(): string | null;
  /** Empties the prompt (Ctrl+C on a non-empty prompt), keeping the text in the history so ↑ brings it back. */
  clear(): void;
  /** Re-reads the history file (after `/forget` scrubbed it), once pending writes are done. */
  reloadHistory(): void;
  /**
   * Ctrl+R history search, while it runs: what is typed so far and whether an entry matches
   * (the prompt shows the match). Null when not searching.
   */
  readonly search: { readonly query: string; readonly found: boolean } | null;
  /** Ends the search: `accept` keeps the match in the prompt (to edit or send), else the text before it comes back. */
  endSearch(accept: boolean): void;
  /** Puts `text` in the prompt, cursor at its end (queued messages taken back when an answer is stopped). */
  restore(text: string): void;
}

/** A running Ctrl+R search: the query, where the match is, and the prompt before it started. */
interface SearchState {
  query: string;
  index: number;
  found: boolean;
  before: ed.EditorState;
}

const EDITS: Partial<Record<string, (s: ed.EditorState) => ed.EditorState>> = {
  backspace: ed.backspace,
  delete: ed.deleteForward,
  left: ed.left,
  right: ed.right,
  home: ed.home,
  end: ed.end,
  'word-left': ed.wordLeft,
  'word-right': ed.wordRight,
  'delete-word-back': ed.deleteWordBack,
  'delete-word-forward': ed.deleteWordForward,
  'kill-word-back': ed.killWordBack,
  'kill-before': ed.killBefore,
  'kill-after': ed.killAfter,
  newline: (s) => ed.insert(s, '\n'),
};

/**
 * @param inputHistory the user's input history; loaded once on mount.
 * @param onWarning called once if the history file cannot be written (the REPL goes on).
 * @param save false in an incognito session: the history is read, but nothing typed is written.
 */
export function usePrompt(inputHistory: InputHistorySource, onWarning: (message: string) => void, save = true): Prompt {
  const [editor, setEditorState] = useState<ed.EditorState>(ed.EMPTY_EDITOR);
  const [candidates, setCandidates] = useState<readonly string[]>([]);
  const [search, setSearch] = useState<SearchState | null>(null);
  const searching = useRef<SearchState | null>(null);
  const current = useRef(editor);
  const entries = useRef<string[]>([]);
  const cursor = useRef<HistoryCursor>({ index: 0, draft: '' });
  // Writes are chained so entries land in order, after the file has been read.
  const writes = useRef<Promise<InputHistoryFile | null>>(Promise.resolve(null));
  const ready = useRef(false);
  const warned = useRef(false);
  const warn = useRef(onWarning);
  warn.current = onWarning;

  useEffect(() => {
    writes.current = inputHistory.open().then(({ entries: loaded, history }) => {
      // Entries submitted before the file was read come after the loaded ones.
      entries.current = [...loaded, ...entries.current];
      cursor.current = { index: entries.current.length, draft: '' };
      ready.current = true;
      return history;
    });
  }, [inputHistory]);

  const reloadHistory = useCallback(() => {
    // Up/Down wait for the re-read, so they never show an entry that was just forgotten.
    ready.current = false;
    writes.current = writes.current.then(async (previous) => {
      try {
        const { entries: loaded, history } = await inputHistory.open();
        entries.current = loaded;
        cursor.current = { index: loaded.length, draft: '' };
        return history;
      } catch {
        return previous;
      } finally {
        ready.current = true;
      }
    });
  }, [inputHistory]);

  const set = useCallback((next: ed.EditorState) => {
    current.current = next;
    setEditorState(next);
  }, []);

  const walk = useCallback(
    (direction: -1 | 1): void => {
      const moved = direction < 0 ? ed.lineUp(current.current) : ed.lineDown(current.current);
      if (moved) return set(moved);
      // Up pressed before the history file was read: step once it has been.
      if (!ready.current) {
        void writes.current.then(() => walk(direction));
        return;
      }
      const step = stepHistory(entries.current, cursor.current, current.current.text, direction);
      if (!step) return;
      cursor.current = step.cursor;
      set(ed.editorAt(step.text));
    },
    [set],
  );

  const updateSearch = useCallback(
    (next: SearchState | null) => {
      searching.current = next;
      setSearch(next);
    },
    [],
  );

  // While searching, typed text and Backspace edit the query, Ctrl+R goes to an older match.
  const searchKey = useCallback(
    (event: KeyEvent): void => {
      const state = searching.current;
      if (!state) return;
      let query = state.query;
      let before = entries.current.length;
      if (event.type === 'text' || event.type === 'paste') query += event.text.replace(/\n/g, ' ');
      else if (event.name === 'backspace') query = query.slice(0, -1);
      else if (event.name === 'ctrl-r') before = state.found ? state.index : entries.current.length;
      else return;
      const hit = searchHistory(entries.current, query, before);
      // No older match for Ctrl+R: stay on the current one.
      if (!hit && event.type === 'key' && event.name === 'ctrl-r') return;
      updateSearch({ ...state, query, index: hit?.index ?? entries.current.length, found: hit !== null });
      set(hit ? ed.editorAt(hit.text) : state.before);
    },
    [set, updateSearch],
  );

  const edit = useCallback(
    (event: KeyEvent) => {
      setCandidates((c) => (c.length ? [] : c));
      if (searching.current) {
        const isSearchKey = event.type !== 'key' || event.name === 'backspace' || event.name === 'ctrl-r';
        if (isSearchKey) return searchKey(event);
        // Any other key (a cursor move, Tab…) keeps the match and edits it.
        updateSearch(null);
      } else if (event.type === 'key' && event.name === 'ctrl-r') {
        const start: SearchState = { query: '', index: entries.current.length, found: false, before: current.current };
        return updateSearch(start);
      }
      if (event.type === 'text' || event.type === 'paste') return set(ed.insert(current.current, event.text));
      if (event.name === 'up' || event.name === 'down') return walk(event.name === 'up' ? -1 : 1);
      if (event.name === 'tab') {
        const s = current.current;
        const done = s.cursor === s.text.length ? completeCommand(s.text) : null;
        if (!done) return;
        set(ed.editorAt(done.text));
        if (done.candidates.length > 1) setCandidates(done.candidates);
        return;
      }
      const op = EDITS[event.name];
      if (op) set(op(current.current));
    },
    [set, walk, searchKey, updateSearch],
  );

  /** Records `text` in the history (memory and file) and empties the prompt. */
  const record = useCallback(
    (text: string) => {
      entries.current = pushEntry(entries.current, text);
      cursor.current = { index: entries.current.length, draft: '' };
      set(ed.EMPTY_EDITOR);
      if (!save) return;
      writes.current = writes.current.then(async (history) => {
        try {
          await history?.append(text, entries.current);
        } catch (error) {
          if (!warned.current) {
            warned.current = true;
            warn.current(`Could not save prompt history (${error instanceof Error ? error.message : String(error)}).`);
          }
        }
        return history;
      });
    },
    [set, save],
  );

  const take = useCallback((): string | null => {
    const text = current.current.text;
    if (!text.trim()) return null;
    record(text);
    return text;
  }, [record]);

  return useMemo(
    () => ({
      editor,
      candidates,
      isEmpty: () => current.current.text.length === 0,
      edit,
      continueLine() {
        const next = ed.continueLine(current.current);
        if (next) set(next);
        return next !== null;
      },
      take,
      clear() {
        const text = current.current.text;
        if (text.trim()) record(text);
        else set(ed.EMPTY_EDITOR);
      },
      reloadHistory,
      search: search ? { query: search.query, found: search.found } : null,
      restore(text: string) {
        set(ed.editorAt(text));
      },
      endSearch(accept: boolean) {
        const state = searching.current;
        if (!state) return;
        updateSearch(null);
        if (!accept || !state.found) set(state.before);
      },
    }),
    [editor, candidates, edit, take, record, set, reloadHistory, search, updateSearch],
  );
}
