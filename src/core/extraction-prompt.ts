/**
 * The extraction request: its system prompt, answer budget and user message (the session date,
 * the remembered facts under integer handles, the previous summary and one chunk of transcript).
 * Pure, no I/O.
 */
import { transcriptLines } from './extraction-chunks.js';
import { buildHandles } from './grounding.js';
import { redactSecrets } from './redact.js';
import { sanitize } from './render.js';
import type { Fact, Memory, Turn } from './schema.js';

/** Upper bound of the extraction answer (tokens): room for a summary and a few dozen ops. */
export const EXTRACTION_MAX_TOKENS = 4096;

/** The extraction model's system prompt: what to keep, how to quote, which ops to use. */
export const EXTRACTION_SYSTEM = [
  'You maintain a long-term memory about one user of a chat assistant.',
  'You receive the transcript of one finished session and the facts already remembered, each with a short integer handle.',
  'Return only what is worth remembering in later sessions: stable preferences, constraints, goals, facts about the user and the people, projects and things in their life, and decisions they made.',
  'Do not store small talk, questions the user asked, things the assistant said that the user did not confirm, or anything only true during this session.',
  'Every item needs "quote": a short span copied exactly from the user\'s own words in the transcript that supports it. Never quote the assistant. Items without such a quote are discarded.',
  'Ops: "add" new facts; "update" to refine a remembered fact that is still true (by handle); "supersede" when the user contradicted a remembered fact (by handle, with the new fact); "retract" when a remembered fact is no longer true and nothing replaces it.',
  'Never re-add something that is already remembered. Write facts in the third person, short and self-contained ("Prefers metric units", "Lives in Porto").',
  'Write "summary" as a compressed rewrite (at most 5 sentences) of the previous summary plus this session: who the user is and what they are working on. Do not append a log.',
  'Resolve relative dates against the session date given.',
].join('\n');

/**
 * Builds the extraction request's user message: the session date, the active facts with
 * integer handles, the previous summary and the transcript (`[user] …` / `[assistant] …`
 * lines, continuation lines indented two spaces; all of `turns`, never cut: a long session is
 * passed one `chunkTranscript` chunk at a time). Memory is shown as facts, never as
 * conversation, so nothing is extracted from memory itself; stored facts and the summary are
 * flattened to one tag-free line each (`sanitize` from render.ts). Secrets are redacted first.
 * @returns the message text, the handle table (handle → fact id) and the redaction count.
 */
export function buildExtractionPrompt(
  memory: Memory,
  turns: Turn[],
  sessionDate: Date,
): { text: string; handles: Map<number, string>; redacted: number } {
  const active = memory.facts.filter((f) => f.status === 'active');
  const handles = buildHandles(active);
  const byId = new Map<string, Fact>(active.map((f) => [f.id, f]));
  let redacted = 0;
  const factLines: string[] = [];
  for (const [handle, id] of handles) {
    const fact = byId.get(id);
    if (fact) factLines.push(`${handle}. [${fact.kind}] ${sanitize(fact.text)}`);
  }
  const lines: string[] = [];
  for (const turn of turns) {
    const r = redactSecrets(turn.text);
    redacted += r.count;
    lines.push(...transcriptLines({ ...turn, text: r.text }));
  }
  const transcript = lines.join('\n');
  const text = [
    `Session date: ${sessionDate.toISOString().slice(0, 10)}`,
    '',
    'Previous summary:',
    memory.summary ? sanitize(redactSecrets(memory.summary).text) : '(none)',
    '',
    '<facts>',
    ...(factLines.length ? factLines : ['(none yet)']),
    '</facts>',
    '',
    '<transcript>',
    transcript,
    '</transcript>',
  ].join('\n');
  return { text, handles, redacted };
}
