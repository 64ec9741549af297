/**
 * The default extraction responder: a rule-based stand-in for the model that reads memagent's
 * extraction request and returns an `Extraction` (see `src/core/schema.ts`) as plain data.
 *
 * Input (the last user message): the transcript between `<transcript>` and `</transcript>`, one
 * turn per line starting `[user] ` or `[assistant] `, continuation lines indented two spaces; the
 * current facts between `<facts>` and `</facts>` as `N. text` or `N. [kind] text` lines (N = the
 * integer handle). Only user turns are mined; assistant turns are ignored.
 */

/** The extraction answer, shaped like memagent's `extractionSchema`. */
export interface FakeExtraction {
  summary: string;
  add: Array<{ text: string; kind: 'preference' | 'fact'; confidence: 'high'; quote: string }>;
  update: Array<{ fact: number; text: string; quote: string }>;
  supersede: Array<{ fact: number; text: string; kind: 'preference' | 'fact'; confidence: 'high'; quote: string }>;
  retract: Array<{ fact: number; quote: string }>;
  decisions: Array<{ topic: string; decision: string; quote: string }>;
}

const EXTRACTION_KEYS = ['summary', 'add', 'update', 'supersede', 'retract', 'decisions'];

/** True when a JSON schema has all of memagent's extraction properties. */
export function looksLikeExtractionSchema(schema: unknown): boolean {
  const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties;
  return !!properties && EXTRACTION_KEYS.every((k) => k in properties);
}

const FACT_RE = /\b(my name is|i am|i['’]m|i live|i prefer|i like|i love|i hate|i work|i use|call me|my \w+ is)\b/i;
const PREFERENCE_RE = /^(i prefer|i like|i love|i hate)$/;
const DECISION_RE = /\b(i decided|we decided|let['’]s go with|i['’]ll go with)\b/i;
/** Words after `i live` / `i work` that belong to the phrase ("i live in", "i work at"). */
const PREPOSITIONS = new Set(['in', 'at', 'as', 'for', 'from', 'on', 'with', 'near']);

/** The user turns of a transcript, continuation lines joined with newlines. */
export function userTurns(transcript: string): string[] {
  const turns: Array<{ role: string; text: string }> = [];
  for (const line of transcript.split('\n')) {
    const start = /^\[(user|assistant)\] ?(.*)$/.exec(line);
    if (start) turns.push({ role: start[1], text: start[2] });
    else if (line.startsWith('  ') && turns.length) turns[turns.length - 1].text += '\n' + line.slice(2);
  }
  return turns.filter((t) => t.role === 'user').map((t) => t.text);
}

/** The `N. text` (or `N. [kind] text`) lines of a facts block, as handle → text. */
export function parseFacts(facts: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of facts.split('\n')) {
    const m = /^\s*(\d+)\.\s+(?:\[[\w-]+\]\s+)?(.+)$/.exec(line);
    if (m) out.set(Number(m[1]), m[2].trim());
  }
  return out;
}

/** Sentences of a text: split after `.`, `!`, `?` and at line breaks; trimmed, empty ones dropped. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The phrase that makes a fact single-valued, so a new sentence with the same phrase supersedes it:
 * "my name is" (also for "call me"), "my <thing> is", "i live in", "i work at"… Undefined for
 * additive phrases ("i like", "i am", "i use"): liking tea does not undo liking coffee.
 */
function singleValuedKey(sentence: string): string | undefined {
  const m = FACT_RE.exec(sentence);
  if (!m) return undefined;
  const phrase = m[1].toLowerCase().replace(/\s+/g, ' ');
  if (phrase === 'call me') return 'my name is';
  if (phrase.startsWith('my ')) return phrase;
  if (phrase === 'i live' || phrase === 'i work') {
    const next = sentence.slice(m.index + m[0].length).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    return PREPOSITIONS.has(next) ? `${phrase} ${next}` : phrase;
  }
  return undefined;
}

function between(text: string, open: string, close: string): string {
  const start = text.indexOf(open);
  if (start < 0) return '';
  const end = text.indexOf(close, start + open.length);
  return text.slice(start + open.length, end < 0 ? undefined : end);
}

/** Cut `s` to fewer than `max` characters, ending with an ellipsis when cut. */
function clip(s: string, max: number): string {
  return s.length < max ? s : s.slice(0, max - 2).trimEnd() + '…';
}

/**
 * The default extraction for the text of an extraction request's last user message: facts and
 * preferences from "my name is / i live / i like …" sentences (superseding a current fact with the
 * same single-valued phrase instead of adding), decisions from "i decided / let's go with …"
 * sentences, and `summary` = "The user said: " + the first user sentence (under 200 characters).
 */
export function defaultExtraction(requestText: string): FakeExtraction {
  const turns = userTurns(between(requestText, '<transcript>', '</transcript>'));
  const facts = parseFacts(between(requestText, '<facts>', '</facts>'));
  const out: FakeExtraction = { summary: '', add: [], update: [], supersede: [], retract: [], decisions: [] };
  const known = new Set([...facts.values()].map((t) => t.toLowerCase()));
  // "remember that …" and "correct <id>: …" are how the memory tools are tried by hand
  // (tools.ts): the fact is the rest of the sentence.
  const all = turns.flatMap(sentences).map((s) => s.replace(/^(?:(?:please )?remember that |correct [\w-]+\s*:\s*)/i, ''));
  if (all.length) out.summary = clip('The user said: ' + all[0], 200);

  for (const sentence of all) {
    const fact = FACT_RE.exec(sentence);
    if (fact && !known.has(sentence.toLowerCase())) {
      known.add(sentence.toLowerCase());
      const kind = PREFERENCE_RE.test(fact[1].toLowerCase()) ? 'preference' : 'fact';
      const key = singleValuedKey(sentence);
      const handle = key ? [...facts].find(([, text]) => singleValuedKey(text) === key)?.[0] : undefined;
      if (handle === undefined) {
        out.add.push({ text: sentence, kind, confidence: 'high', quote: sentence });
      } else {
        out.supersede = out.supersede.filter((s) => s.fact !== handle);
        out.supersede.push({ fact: handle, text: sentence, kind, confidence: 'high', quote: sentence });
      }
    }
    const decision = DECISION_RE.exec(sentence);
    if (decision) {
      const after = sentence.slice(decision.index + decision[0].length).replace(/[^\p{L}\p{N}\s'’-]/gu, ' ');
      const topic = after.trim().split(/\s+/).filter(Boolean).slice(0, 3).join(' ') || 'decision';
      out.decisions.push({ topic, decision: sentence, quote: sentence });
    }
  }
  return out;
}
