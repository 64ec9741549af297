/**
 * Search hits as the model reads them (`memory_search` results), one line each: light (types
 * and string work only), so commands that print hits the same way need not load the tools.
 */
import type { SearchHit } from '../recall/types.js';

/**
 * One search hit as the model reads it, one line: id, date (and until when a superseded or
 * retracted fact held, and what replaced it), kind, text. Uncertain facts say so.
 * `f_ab12 [2026-03-02] preference: Prefers metric units`,
 * `f_cd34 [2026-01-10 until 2026-03-02, superseded by f_ab12] fact: Lives in Lisbon`,
 * `s_x:4 [2026-02-01] user said: …`. Pure.
 */
export function formatHit(hit: SearchHit): string {
  const day = (iso: string) => iso.slice(0, 10);
  let when = day(hit.date);
  if (hit.status !== 'active' && hit.validTo) when += ` until ${day(hit.validTo)}`;
  if (hit.status === 'superseded') when += hit.supersededBy ? `, superseded by ${hit.supersededBy}` : ', superseded';
  if (hit.status === 'retracted') when += ', retracted';
  const what =
    hit.kind === 'fact'
      ? `${hit.factKind ?? 'fact'}${hit.confidence && hit.confidence !== 'high' ? ' (uncertain)' : ''}`
      : hit.kind === 'decision'
        ? 'decided'
        : `${hit.role ?? 'user'} said`;
  return `${hit.id} [${when}] ${what}: ${oneLine(hit.text)}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}
