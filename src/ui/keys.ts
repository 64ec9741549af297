/**
 * Decodes the raw input events Ink's stdin parser emits (runs of plain text, one escape sequence
 * each, or a lone ESC) into the keys the prompt understands, and collects bracketed pastes
 * (`ESC[200~` … `ESC[201~`) into ONE event however many reads they arrive in. Pure: no I/O.
 */

/** Editing and control keys, named for what they do rather than how they are typed. */
export type KeyName =
  | 'enter'
  | 'newline'
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'up'
  | 'down'
  | 'home'
  | 'end'
  | 'word-left'
  | 'word-right'
  | 'delete-word-back'
  | 'delete-word-forward'
  | 'kill-word-back'
  | 'kill-before'
  | 'kill-after'
  | 'tab'
  | 'escape'
  | 'ctrl-c'
  | 'ctrl-d'
  | 'ctrl-l'
  | 'ctrl-r'
  | 'ctrl-z';

/** One thing the user did: typed text, pasted text (newlines as `\n`), or a key. */
export type KeyEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'paste'; readonly text: string }
  | { readonly type: 'key'; readonly name: KeyName };

/** Start of a bracketed paste (xterm): the terminal sends it before pasted text when mode 2004 is on. */
export const PASTE_START = '\x1b[200~';
/** End of a bracketed paste. */
export const PASTE_END = '\x1b[201~';
/** Turns bracketed paste mode on (written to stdout). */
export const BRACKETED_PASTE_ON = '\x1b[?2004h';
/** Turns bracketed paste mode off (written to stdout when the prompt unmounts). */
export const BRACKETED_PASTE_OFF = '\x1b[?2004l';

const CONTROL: Record<string, KeyName> = {
  '\r': 'enter',
  // Raw mode turns Enter into \r; a lone \n comes from Ctrl+J or from programs driving a pty, which mean Enter.
  '\n': 'enter',
  '\t': 'tab',
  '\x7f': 'backspace',
  '\b': 'backspace',
  '\x01': 'home',
  '\x05': 'end',
  '\x02': 'left',
  '\x06': 'right',
  '\x10': 'up',
  '\x0e': 'down',
  '\x15': 'kill-before',
  '\x0b': 'kill-after',
  '\x17': 'kill-word-back',
  '\x03': 'ctrl-c',
  '\x04': 'ctrl-d',
  '\x0c': 'ctrl-l',
  '\x12': 'ctrl-r',
  '\x1a': 'ctrl-z',
};

const ESCAPES: Record<string, KeyName> = {
  '\x1b': 'escape',
  '\x1b\x1b': 'escape',
  '\x1b\x7f': 'delete-word-back',
  '\x1b\b': 'delete-word-back',
  '\x1bb': 'word-left',
  '\x1bf': 'word-right',
  '\x1bd': 'delete-word-forward',
  '\x1b\r': 'newline',
  '\x1b\n': 'newline',
  '\x1b[3~': 'delete',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
};

const CURSOR_FINAL: Record<string, KeyName> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

/** Decodes one escape sequence (CSI `ESC[…x` or SS3 `ESCOx`), or undefined for keys we ignore. */
export function decodeEscape(seq: string): KeyName | undefined {
  const known = ESCAPES[seq];
  if (known) return known;
  // Meta + a CSI key (ESC ESC [ A) arrives as one event; treat it as the key.
  const s = seq.startsWith('\x1b\x1b') ? seq.slice(1) : seq;
  const m = /^\x1b(?:\[([\d;]*)|O)([A-DHF])$/.exec(s);
  if (m) {
    const name = CURSOR_FINAL[m[2]];
    // `ESC[1;5D` (Ctrl) and `ESC[1;3D` (Alt) move by word, as in readline.
    const modifier = Number((m[1] ?? '').split(';')[1] ?? '1');
    const byWord = modifier === 3 || modifier === 5 || seq.startsWith('\x1b\x1b');
    if (byWord && name === 'left') return 'word-left';
    if (byWord && name === 'right') return 'word-right';
    return name;
  }
  const tilde = /^\x1b\[(\d+)(?:;\d+)?~$/.exec(s);
  if (tilde) return ESCAPES[`\x1b[${tilde[1]}~`];
  return undefined;
}

/** Pasted text with newlines normalized (`\r\n` and `\r` become `\n`) and escape sequences removed. */
export function cleanPaste(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\x1b\[[\d;?]*[ -/]*[@-~]/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

function isControl(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/**
 * A run of text without ESC. Several characters with a line break before the last one are an
 * unbracketed paste (a terminal without mode 2004): one paste, never a submit per line.
 */
function decodeText(run: string): KeyEvent[] {
  if (run.length > 1) {
    const firstBreak = run.search(/[\r\n]/);
    if (firstBreak >= 0 && firstBreak < run.length - 1 && /[^\r\n]/.test(run)) {
      return [{ type: 'paste', text: cleanPaste(run).replace(/\n$/, '') }];
    }
  }
  const out: KeyEvent[] = [];
  let text = '';
  for (const ch of run) {
    if (!isControl(ch)) {
      text += ch;
      continue;
    }
    if (text) out.push({ type: 'text', text });
    text = '';
    const name = CONTROL[ch];
    if (name) out.push({ type: 'key', name });
  }
  if (text) out.push({ type: 'text', text });
  return out;
}

/** A stateful decoder: feed it Ink's raw input events in order. */
export interface KeyDecoder {
  /** Decodes one raw event; returns nothing while a bracketed paste is being collected. */
  push(raw: string): KeyEvent[];
  /** True between `ESC[200~` and `ESC[201~`. */
  readonly inPaste: boolean;
  /** Ends a paste whose end marker never came (returns it as a paste event), else nothing. */
  flushPaste(): KeyEvent[];
}

/** Creates a decoder. A paste is collected in an array and joined once, so a 50 KB paste costs O(size). */
export function createKeyDecoder(): KeyDecoder {
  let paste: string[] | null = null;
  const endPaste = (): KeyEvent[] => {
    const text = cleanPaste((paste ?? []).join(''));
    paste = null;
    return text ? [{ type: 'paste', text }] : [];
  };
  return {
    get inPaste() {
      return paste !== null;
    },
    push(raw) {
      if (paste !== null) {
        const end = raw.indexOf(PASTE_END);
        if (end < 0) {
          if (!raw.startsWith('\x1b')) paste.push(raw);
          return [];
        }
        paste.push(raw.slice(0, end));
        const rest = raw.slice(end + PASTE_END.length);
        return [...endPaste(), ...(rest ? this.push(rest) : [])];
      }
      if (raw.startsWith(PASTE_START)) {
        paste = [];
        const rest = raw.slice(PASTE_START.length);
        return rest ? this.push(rest) : [];
      }
      if (raw.startsWith('\x1b')) {
        const name = decodeEscape(raw);
        return name ? [{ type: 'key', name }] : [];
      }
      return decodeText(raw);
    },
    flushPaste() {
      return paste === null ? [] : endPaste();
    },
  };
}
