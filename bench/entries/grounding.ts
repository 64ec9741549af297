/**
 * Grounding probe bench: every quote of the probe set (grounding-probes.ts) through the real
 * grounding (`groundQuote`, the same alignment `groundExtraction` applies at exit), tallied by
 * kind. In-process, no API, deterministic.
 *
 *   node grounding.js            one JSON line: { kinds: [{ kind, faithful, accepted, total, wrong }] }
 *   node grounding.js --table    the same as a Markdown table, with the wrongly judged quotes
 *
 * `npm run bench` bundles this entry and runs it as its "grounding" section; to run it alone:
 * `npm run bench -- --only=grounding` (prints the table, does not touch RESULTS.md).
 */
import { groundQuote } from '../../src/core/grounding.js';
import { FAITHFUL_KINDS, PROBES, REFUSE_KINDS, SESSIONS } from './grounding-probes.js';

interface KindResult {
  kind: string;
  /** True for kinds that must be kept, false for kinds that must be refused. */
  faithful: boolean;
  accepted: number;
  total: number;
  /** Quotes judged the wrong way, with the refusal reason for a faithful one. */
  wrong: string[];
}

const results: KindResult[] = [...FAITHFUL_KINDS, ...REFUSE_KINDS].map((kind) => ({
  kind,
  faithful: (FAITHFUL_KINDS as readonly string[]).includes(kind),
  accepted: 0,
  total: 0,
  wrong: [],
}));
for (const probe of PROBES) {
  const session = SESSIONS[probe.session];
  if (!session) throw new Error(`probe names an unknown session: ${probe.session}`);
  const r = results.find((x) => x.kind === probe.kind)!;
  const verdict = groundQuote(probe.quote, session.user);
  r.total++;
  if (verdict.ok) r.accepted++;
  if (verdict.ok !== r.faithful) r.wrong.push(verdict.ok ? probe.quote : `${probe.quote} (${verdict.reason})`);
}

if (process.argv.includes('--table')) {
  const lines = ['| Kind | Must be | Accepted | Target |', '|---|---|---|---|'];
  for (const r of results) lines.push(`| ${r.kind} | ${r.faithful ? 'kept' : 'refused'} | ${r.accepted}/${r.total} | ${r.faithful ? '≥ 95%' : '0'} |`);
  const wrong = results.flatMap((r) => r.wrong.map((q) => `- ${r.kind}: ${q}`));
  process.stdout.write(`${lines.join('\n')}\n${wrong.length ? `\nJudged wrongly:\n${wrong.join('\n')}\n` : ''}`);
} else {
  process.stdout.write(`${JSON.stringify({ kinds: results })}\n`);
}
