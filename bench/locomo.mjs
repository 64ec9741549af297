#!/usr/bin/env node
/**
 * Recall on LoCoMo (issue 11): drives the real built CLI (bin/memagent.js) through conversations
 * 0–4 of the LoCoMo data set with a perfect extractor, then asks every question of categories 1–4
 * and checks whether an evidence observation reached the model.
 *
 *   npm run bench:locomo -- <path/to/locomo10.json> [--driver auto|pipe|import] [--convs 0-4]
 *        [--batch N] [--search store|cli|off] [--cli-sample N] [--no-write] [--details file] [--keep]
 *
 * Without the data set's path (or when the file is absent) it prints why and exits 0. The data
 * set is CC BY-NC: it is read from where it lies and nothing of it is written into the repo (the
 * `--details` file, with questions and observations, goes wherever you point it; keep it out of git).
 *
 * How (see bench/README.md):
 * - A fake Messages API (src/fake-api) runs in this process behind a small proxy. The proxy reads
 *   each extraction request, finds which LoCoMo session its transcript is (by the turns' text,
 *   not by order), and queues that session's answer just before the fake sees the request: every
 *   observation of the session as an `add` (kind fact, confidence high, quote = the text of its
 *   evidence turn) and the session's LoCoMo summary as `summary`. Chat turns get the fake's
 *   default (echo) answer.
 * - Every dialog turn is a *user* turn `Speaker: text`, since grounding keeps only quotes of the
 *   user's words and observations are about both speakers.
 * - Ingest (`--driver auto`, the default: `import` when the CLI has it, else `pipe`).
 *   `--driver pipe`: one `memagent chat --user <u>` per session, one stdin line per turn
 *   (the session date is the time of the run: the CLI has no way to set it). `--driver import`:
 *   one `memagent import --user <u> <file>` per conversation, each session with its LoCoMo date.
 * - Questions: `memagent chat --user <u> --incognito` in pipe mode, `--batch` questions per
 *   process (default: all of a conversation's in one process). Only the system prompt and the
 *   last user message of each recorded request are checked (what this turn was given), so earlier
 *   questions of the same process cannot count.
 * - Search: `ArchiveStore.search(question, 10)` of the tree's file store, in process (`store`,
 *   the same code `memagent search` runs), cross-checked against `memagent search --json` on
 *   `--cli-sample` questions per conversation when the command exists; `cli` runs the command
 *   for every question.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../scripts/esbuild-options.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const BIN = join(ROOT, 'bin', 'memagent.js');
const began = performance.now();
const log = (msg) => process.stderr.write(`[locomo ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Arguments

const argv = process.argv.slice(2);
function flag(name, fallback) {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const a = argv[i];
  argv.splice(i, 1);
  if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
  if (typeof fallback === 'boolean') return true;
  const v = argv[i];
  argv.splice(i, 1);
  return v;
}
const DRIVER_FLAG = flag('driver', 'auto');
const CONVS = parseRange(flag('convs', '0-4'));
const BATCH = Number(flag('batch', '0')) || Infinity;
const SEARCH = flag('search', 'store');
const CLI_SAMPLE = Number(flag('cli-sample', '10'));
const WRITE = !flag('no-write', false);
const DETAILS = flag('details', '');
const KEEP = flag('keep', false);
const LABEL = flag('label', '');
const DATA = argv.find((a) => !a.startsWith('--'));

function parseRange(s) {
  const out = [];
  for (const part of String(s).split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (Number.isNaN(b) || b === undefined ? a : b); i++) out.push(i);
  }
  return out;
}

if (!['auto', 'pipe', 'import'].includes(DRIVER_FLAG)) fail(`--driver must be auto, pipe or import, not ${DRIVER_FLAG}`);
if (!['store', 'cli', 'off'].includes(SEARCH)) fail(`--search must be store, cli or off, not ${SEARCH}`);
if (!DATA || !existsSync(DATA)) {
  process.stdout.write(`bench/locomo: skipped: the LoCoMo data set ${DATA ? `is not at ${DATA}` : 'path was not given'} (npm run bench:locomo -- <path/to/locomo10.json>)\n`);
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'boot.cjs'))) fail('dist/boot.cjs is missing: run `npm run build` first (npm run bench:locomo does)');

function fail(msg) {
  process.stderr.write(`bench/locomo: ${msg}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The data set: sessions, turns, observations, questions

/** Lower case, every run of non-letters/digits one space: how texts are compared. */
function norm(s) {
  return String(s)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’]/g, "'")
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The key an observation (or turn) is looked for by in a text: its normalised text, at most
 * its first 200 characters cut at a word (grounding keeps 300 characters of a fact's text).
 */
function keyOf(text) {
  const n = norm(text);
  if (n.length <= 200) return n;
  const cut = n.slice(0, 200);
  return cut.slice(0, cut.lastIndexOf(' '));
}

/** What a context is searched in: normalised, with the dates memagent appends to relative ones removed. */
function haystack(text) {
  return norm(String(text).replace(/ ?\((?:\d{4}-\d{2}-\d{2}|week of \d{4}-\d{2}-\d{2})\)/g, ''));
}

const DIA = /D:?(\d+):(\d+)/g;
function diaIds(v) {
  const out = [];
  for (const s of [v].flat(Infinity)) for (const m of String(s).matchAll(DIA)) out.push(`D${m[1]}:${m[2]}`);
  return out;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
/** "1:56 pm on 8 May, 2023" → an ISO time (UTC). */
function parseDate(s) {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(s ?? '');
  if (!m) return undefined;
  let h = Number(m[1]) % 12;
  if (m[3].toLowerCase() === 'pm') h += 12;
  const month = MONTHS.indexOf(m[5].toLowerCase());
  return new Date(Date.UTC(Number(m[6]), month, Number(m[4]), h, Number(m[2]))).toISOString();
}

/** One conversation, shaped for the bench. */
function loadConversation(raw, index) {
  const conv = raw.conversation;
  const nums = Object.keys(conv)
    .map((k) => /^session_(\d+)$/.exec(k)?.[1])
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
  const turnsById = new Map();
  const sessions = nums.map((n) => {
    const turns = conv[`session_${n}`].map((t) => ({ id: t.dia_id, speaker: t.speaker, text: String(t.text).replace(/\s+/g, ' ').trim() }));
    for (const t of turns) turnsById.set(t.id, { ...t, session: n });
    const obs = [];
    for (const [speaker, list] of Object.entries(raw.observation?.[`session_${n}_observation`] ?? {})) {
      for (const o of list) obs.push({ text: String(o[0]).trim(), speaker, evidence: diaIds(o[1]), session: n });
    }
    return { n, date: parseDate(conv[`session_${n}_date_time`]), turns, obs, summary: raw.session_summary?.[`session_${n}_summary`] ?? '' };
  });
  const observations = sessions.flatMap((s) => s.obs);
  const obsByTurn = new Map();
  for (const o of observations) for (const id of o.evidence) obsByTurn.set(id, [...(obsByTurn.get(id) ?? []), o]);
  const questions = raw.qa
    .filter((q) => q.category >= 1 && q.category <= 4)
    .map((q, i) => {
      const evidence = diaIds(q.evidence ?? []);
      const obs = [...new Set(evidence.flatMap((id) => obsByTurn.get(id) ?? []))];
      const turns = evidence.map((id) => turnsById.get(id)).filter(Boolean);
      return { i, text: String(q.question).replace(/\s+/g, ' ').trim(), category: q.category, evidence, obs, turns };
    });
  return { index, id: raw.sample_id ?? `conv-${index}`, speakers: [conv.speaker_a, conv.speaker_b], sessions, turnsById, questions };
}

/** A dialog turn as memagent's user turn: `Speaker: text`. */
const userLine = (t) => `${t.speaker}: ${t.text}`;

// ---------------------------------------------------------------------------------------------
// The fake API behind a proxy that scripts each extraction by its session

// A crash inside the tree's code that runs in this process (an index's asynchronous upkeep after
// a search) is the tree's bug, not the bench's: it is logged and listed in the report, and the
// run goes on, rather than losing every number measured so far.
const inProcessCrashes = [];
process.on('uncaughtException', (error) => {
  inProcessCrashes.push(String(error?.stack ?? error).split('\n').slice(0, 3).join(' / '));
  log(`in-process crash in the tree's code (the run goes on): ${inProcessCrashes.at(-1)}`);
});

const tmp = mkdtempSync(join(os.tmpdir(), 'memagent-locomo-'));
const kitDir = join(tmp, 'kit');
await build({ ...nodeBundleOptions, entryPoints: { kit: join(BENCH, 'locomo.kit.ts') }, outdir: kitDir, sourcemap: false });
const kit = await import(pathToFileURL(join(kitDir, 'kit.js')).href);
const fake = await kit.startFakeApi({ port: 0 });

/** Extraction requests: which session each was answered as, or why not. */
const extractions = [];
/** line key → { conv, session } for the conversation being ingested. */
let sessionOfLine = new Map();
let sessionsByKey = new Map();

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b) => (b?.type === 'text' ? b.text : '')).join('\n');
  return '';
}

/** The LoCoMo session whose turns make up most of an extraction request's transcript. */
function matchSession(body) {
  const last = body.messages?.[body.messages.length - 1];
  const text = textOf(last?.content);
  const start = text.indexOf('<transcript>');
  const transcript = start < 0 ? '' : text.slice(start, text.indexOf('</transcript>', start));
  const votes = new Map();
  for (const line of transcript.split('\n')) {
    const m = /^\[user\] ?(.*)$/.exec(line);
    if (!m) continue;
    const key = norm(m[1]).slice(0, 80);
    const s = sessionOfLine.get(key);
    if (s !== undefined) votes.set(s, (votes.get(s) ?? 0) + 1);
  }
  const best = [...votes].sort((a, b) => b[1] - a[1])[0];
  return best ? sessionsByKey.get(best[0]) : undefined;
}

/** The perfect extractor's answer for one session. */
function perfectExtraction(conv, session) {
  const add = [];
  for (const o of session.obs) {
    // The evidence turn of this session (an observation's evidence is in its own session).
    const turn = o.evidence.map((id) => conv.turnsById.get(id)).find((t) => t && t.session === session.n) ?? o.evidence.map((id) => conv.turnsById.get(id)).find(Boolean);
    if (!turn) continue;
    add.push({ text: o.text, kind: 'fact', confidence: 'high', quote: turn.text });
  }
  return { summary: session.summary, add, update: [], supersede: [], retract: [], decisions: [] };
}

const proxy = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (body?.output_config?.format) {
      const found = matchSession(body);
      if (found) {
        fake.enqueue({ kind: 'json', match: 'extract', value: perfectExtraction(found.conv, found.session) });
        extractions.push({ conv: found.conv.index, session: found.session.n });
      } else {
        // Not a LoCoMo session (e.g. the questions' own session): an extraction that keeps nothing.
        fake.enqueue({ kind: 'json', match: 'extract', value: { summary: '', add: [], update: [], supersede: [], retract: [], decisions: [] } });
        extractions.push({ conv: null, session: null });
      }
    }
    const headers = { ...req.headers, 'content-length': raw.length };
    const up = httpRequest(`${fake.url}${req.url}`, { method: req.method, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    up.end(raw);
  });
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const PROXY_URL = `http://127.0.0.1:${proxy.address().port}`;

// ---------------------------------------------------------------------------------------------
// Running the CLI

/** Settings of the CLI a run may change from the bench's environment (named in the report when set). */
const PASS_THROUGH = ['MEMAGENT_MEMORY_BUDGET', 'MEMAGENT_RECALL_BUDGET'];
const memDir = join(tmp, 'memory');
const home = join(tmp, 'home');
mkdirSync(home, { recursive: true });
const childEnv = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_DATA_HOME: join(home, 'data'),
  MEMAGENT_MEMORY_DIR: memDir,
  ANTHROPIC_BASE_URL: PROXY_URL,
  ANTHROPIC_API_KEY: 'fake-key',
  // Generous: the machine may be busy, and a timed-out save would leave a journal for later.
  MEMAGENT_EXIT_TIMEOUT_MS: '120000',
  MEMAGENT_REQUEST_TIMEOUT_MS: '120000',
  NO_COLOR: '1',
  // Budgets to try other splits of the memory tokens: passed through when set.
  ...Object.fromEntries(PASS_THROUGH.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
};

/** Runs `memagent <args>` with `input` on stdin; resolves { code, stdout, stderr }. */
function memagent(args, input = '') {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

const help = (await memagent(['--help'])).stdout;
const HAS = { import: /^\s+import\b/m.test(help), search: /^\s+search\b/m.test(help) };
if (DRIVER_FLAG === 'import' && !HAS.import) fail('this build has no `memagent import` (use --driver pipe)');
/** `auto`: import when the CLI has it (each session with its own date, user turns only), else pipe. */
const DRIVER = DRIVER_FLAG === 'auto' ? (HAS.import ? 'import' : 'pipe') : DRIVER_FLAG;
log(`driver: ${DRIVER}`);

const commit = (() => {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

// ---------------------------------------------------------------------------------------------
// Why a question's evidence did not come back from lexical search

const STOP = new Set(
  'a an the and or but if of to in on at by for with from about as into over after before between is are was were be been being do does did have has had what which who whom whose when where why how that this these those it its he she they them his her their there than then so not no yes can could would should will may might must i you we our your my me us one some any all more most other such only own same too very just also ever kind type sort'.split(
    ' ',
  ),
);
const contentWords = (s) => new Set(norm(s).split(' ').filter((w) => w.length > 2 && !STOP.has(w)));
/** Crude stem, enough to tell "painting" from "painted" apart from a real lexical gap. */
const stem = (w) => w.replace(/(ing|ed|es|s|ly)$/, '');

/** Why search missed a question (the reference BM25 over stored facts): one bucket. */
function classify(q, conv) {
  if (!q.ceiling) return 'no evidence observation';
  if (!q.stored) return 'evidence not stored';
  if (q.inReference) return 'retrieved';
  const names = new Set(conv.speakers.map((s) => norm(s)));
  const qw = contentWords(q.text);
  let best = 'lexical gap: no content word in common';
  for (const o of q.obs) {
    const ow = contentWords(o.text);
    const shared = [...qw].filter((w) => ow.has(w) || [...ow].some((x) => stem(x) === stem(w)));
    const nonName = shared.filter((w) => !names.has(w));
    if (nonName.length) return 'outranked: shares words, ranked below 10';
    if (shared.length) best = 'lexical gap: only the speaker\u2019s name in common';
  }
  return best;
}

/** The what-if table's k values (hits added to core memory). */
const WHAT_IF_K = [5, 10, 20, 30];
/** Characters a recalled line adds around a fact's text (kind, date, bullet): an estimate for the what-if tokens. */
const RECALL_LINE_OVERHEAD = 30;

// ---------------------------------------------------------------------------------------------
// One conversation

const raw = JSON.parse(readFileSync(DATA, 'utf8'));
const results = [];
const details = [];

for (const ci of CONVS) {
  if (!raw[ci]) fail(`the data set has no conversation ${ci}`);
  const conv = loadConversation(raw[ci], ci);
  const user = `locomo-${ci}`;
  const t0 = performance.now();
  sessionOfLine = new Map();
  sessionsByKey = new Map();
  for (const s of conv.sessions) {
    const key = `${ci}:${s.n}`;
    sessionsByKey.set(key, { conv, session: s });
    for (const t of s.turns) sessionOfLine.set(norm(userLine(t)).slice(0, 80), key);
  }

  // 1. Ingest
  const ingest = { failures: 0, notKept: 0, extractionsBefore: extractions.length };
  if (DRIVER === 'pipe') {
    for (const s of conv.sessions) {
      const r = await memagent(['chat', '--user', user], s.turns.map(userLine).join('\n') + '\n');
      if (r.code !== 0) {
        ingest.failures++;
        log(`conv ${ci} session ${s.n}: exit ${r.code}: ${firstError(r.stderr)}`);
      }
      ingest.notKept += (r.stderr.match(/not kept/g) ?? []).length;
    }
  } else {
    const file = join(tmp, `${user}.json`);
    const sessions = conv.sessions.map((s) => ({ id: `${conv.id}-s${s.n}`, date: s.date, turns: s.turns.map((t) => ({ role: 'user', text: userLine(t) })) }));
    writeFileSync(file, JSON.stringify({ sessions }));
    const r = await memagent(['import', '--user', user, file]);
    if (r.code !== 0) {
      ingest.failures++;
      log(`conv ${ci} import: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    ingest.notKept += (r.stderr.match(/not kept/g) ?? []).length;
  }
  const answered = extractions.slice(ingest.extractionsBefore);
  const seen = new Set(answered.filter((e) => e.conv === ci).map((e) => e.session));
  ingest.sessionsExtracted = seen.size;
  ingest.unmatched = answered.filter((e) => e.conv !== ci).length;
  log(`conv ${ci}: ingested ${conv.sessions.length} sessions (${seen.size} extracted, ${ingest.unmatched} unmatched extraction requests, ${ingest.notKept} items not kept) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // 2. Storage: the memory file and the archive
  const stored = await kit.readStored(memDir, user);
  const storedFacts = stored.facts.map((f) => ({ ...f, hay: haystack(f.text) }));
  const storedTurns = haystack(stored.turns.join('\n'));
  const activeHay = storedFacts.filter((f) => f.where === 'file' && f.status === 'active');
  const reference = await kit.referenceSearcher(memDir, user);
  const stemmed = await kit.stemmedSearcher(memDir, user);
  const fuzzy = await kit.stemmedSearcher(memDir, user, { fuzzy: 0.2 });

  // 3. Search, per question
  const sample = new Set(conv.questions.slice(0, SEARCH === 'cli' ? Infinity : CLI_SAMPLE).map((q) => q.i));
  let cliChecked = 0;
  let cliAgree = 0;
  for (const q of conv.questions) {
    q.ref = reference(q.text, 10).map((h) => h.text);
    q.whatIf = { plain: reference(q.text, Math.max(...WHAT_IF_K)).map((h) => h.text), stemmed: stemmed(q.text, Math.max(...WHAT_IF_K)), 'stemmed + fuzzy': fuzzy(q.text, Math.max(...WHAT_IF_K)) };
    if (SEARCH === 'off') continue;
    if (SEARCH === 'store') q.hits = (await kit.storeSearch(memDir, user, q.text, 10)).map((h) => h.text);
    if (HAS.search && sample.has(q.i)) {
      const r = await memagent(['search', '--user', user, q.text, '--limit', '10', '--json']);
      const texts = r.code === 0 ? textsIn(safeJson(r.stdout)) : null;
      if (SEARCH === 'cli') q.hits = texts ?? [];
      else if (texts) {
        cliChecked++;
        if (JSON.stringify(texts) === JSON.stringify(q.hits)) cliAgree++;
      }
    }
  }

  // 4. Questions, as chat turns in pipe mode (incognito: asking changes nothing)
  const t1 = performance.now();
  const before = fake.requests.length;
  const qs = conv.questions;
  for (let i = 0; i < qs.length; i += BATCH === Infinity ? qs.length : BATCH) {
    const batch = qs.slice(i, i + (BATCH === Infinity ? qs.length : BATCH));
    const r = await memagent(['chat', '--user', user, '--incognito'], batch.map((q) => q.text).join('\n') + '\n');
    if (r.code !== 0) log(`conv ${ci} questions ${i}…: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  }
  const chats = fake.requests.slice(before).filter((r) => r.path === '/v1/messages' && !r.body?.output_config?.format);
  let qi = 0;
  for (const req of chats) {
    const lastUser = [...(req.body.messages ?? [])].reverse().find((m) => m.role === 'user');
    const userText = textOf(lastUser?.content);
    // Retries repeat a question; the next question's request is the first one that carries it.
    while (qi < qs.length && !userText.includes(qs[qi].text) && qs[qi + 1] && userText.includes(qs[qi + 1].text)) qi++;
    const q = qs[qi];
    if (!q || !userText.includes(q.text)) continue;
    const system = Array.isArray(req.body.system) ? req.body.system.map((b) => b.text ?? '').join('\n') : String(req.body.system ?? '');
    const a = system.indexOf('<memory>');
    const b = system.indexOf('</memory>');
    const memoryChars = a >= 0 && b > a ? b + '</memory>'.length - a : 0;
    q.context = haystack(`${system}\n${userText}`);
    q.core = haystack(system);
    q.coreTokens = memoryChars / 4;
    q.memoryTokens = (memoryChars + Math.max(0, userText.length - q.text.length)) / 4;
    q.recalledChars = Math.max(0, userText.length - q.text.length);
    qi++;
  }
  const asked = qs.filter((q) => q.context !== undefined).length;
  log(`conv ${ci}: ${asked}/${qs.length} questions asked in ${((performance.now() - t1) / 1000).toFixed(0)} s`);

  // 5. Judge
  const hasIn = (hay, q, withTurns = false) =>
    q.obs.some((o) => hay.includes(keyOf(o.text))) || (withTurns && q.turns.some((t) => hay.includes(keyOf(t.text))));
  for (const q of qs) {
    q.ceiling = q.obs.length > 0;
    q.inContext = q.context !== undefined && hasIn(q.context, q);
    q.inContextOrTurn = q.context !== undefined && hasIn(q.context, q, true);
    q.inCore = q.core !== undefined && hasIn(q.core, q);
    q.inSearch = q.hits !== undefined && hasIn(haystack(q.hits.join('\n')), q);
    q.inSearchOrTurn = q.hits !== undefined && hasIn(haystack(q.hits.join('\n')), q, true);
    q.inReference = hasIn(haystack(q.ref.join('\n')), q);
    q.stored = q.obs.some((o) => storedFacts.some((f) => f.hay.includes(keyOf(o.text))));
    q.storedActive = q.obs.some((o) => activeHay.some((f) => f.hay.includes(keyOf(o.text))));
    q.turnStored = q.turns.some((t) => storedTurns.includes(keyOf(t.text)));
    q.miss = classify(q, conv);
    if (q.core !== undefined) {
      // What-if: today's core block plus the top k of a lexical index, hits already in core skipped.
      q.curve = {};
      for (const [variant, texts] of Object.entries(q.whatIf)) {
        for (const k of WHAT_IF_K) {
          const extra = texts.slice(0, k).filter((t) => !q.core.includes(haystack(t)));
          const tokens = q.coreTokens + extra.reduce((n, t) => n + t.length + RECALL_LINE_OVERHEAD, 0) / 4;
          const hay = haystack(`${q.core}\n${extra.join('\n')}`);
          q.curve[`${variant}@${k}`] = { found: hasIn(hay, q), searchOnly: hasIn(haystack(texts.slice(0, k).join('\n')), q), tokens };
        }
      }
    }
  }
  results.push({ conv, ingest, stored, cliChecked, cliAgree, asked });
  log(`conv ${ci} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (DETAILS) {
    for (const q of qs) {
      details.push({
        conv: ci,
        q: q.text,
        category: q.category,
        obs: q.obs.map((o) => o.text),
        ...pick(q, ['ceiling', 'inContext', 'inCore', 'inContextOrTurn', 'inSearch', 'inSearchOrTurn', 'inReference', 'stored', 'storedActive', 'turnStored', 'memoryTokens', 'miss']),
        ref: q.ref,
        hits: q.hits,
      });
    }
  }
}

/** The line of a child's stderr that says what went wrong (an uncaught error's message, else the last line). */
function firstError(stderr) {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.findLast((l) => l.startsWith('memagent: ')) ?? lines.at(-1) ?? '';
}

function pick(o, keys) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
function safeJson(s) {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
/** Every `text` string in a JSON value (the hits of `memagent search --json`, whatever its envelope). */
function textsIn(v, out = []) {
  if (Array.isArray(v)) for (const x of v) textsIn(x, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === 'text' && typeof x === 'string' ? out.push(x) : textsIn(x, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');
function quantile(xs, p) {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!s.length) return undefined;
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}
const tok = (x) => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'));

function row(name, qs, extra) {
  const n = qs.length;
  const count = (k) => qs.filter((q) => q[k]).length;
  const tokens = qs.map((q) => q.memoryTokens);
  const noHits = qs.every((q) => !q.hits?.length);
  const search = SEARCH === 'off' ? 'off' : noHits ? `${pct(count('inSearch'), n)} (no hits at all)` : `${pct(count('inSearch'), n)} (${pct(count('inSearchOrTurn'), n)})`;
  return `| ${name} | ${extra.sessions} | ${n} | ${pct(count('ceiling'), n)} | **${pct(count('inContext'), n)}** | ${pct(count('inContextOrTurn'), n)} | ${search} | ${pct(count('inReference'), n)} | ${pct(count('stored'), n)} | ${tok(quantile(tokens, 0.5))} / ${tok(quantile(tokens, 0.95))} |`;
}

const allQs = results.flatMap((r) => r.conv.questions);
const lines = [];
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const minutes = ((performance.now() - began) / 60000).toFixed(1);
const cliChecked = results.reduce((n, r) => n + r.cliChecked, 0);
const cliAgree = results.reduce((n, r) => n + r.cliAgree, 0);
const ingestNotes = results.map((r) => `${r.conv.index}: ${r.ingest.sessionsExtracted}/${r.conv.sessions.length} sessions extracted${r.ingest.failures ? `, ${r.ingest.failures} failed runs` : ''}${r.ingest.unmatched ? `, ${r.ingest.unmatched} unmatched` : ''}, ${r.ingest.notKept} not kept, ${r.stored.activeInFile} active facts in file, ${r.stored.facts.length} facts stored, ${r.stored.turns.length} turns kept`);
lines.push(
  `#### Run ${date}${LABEL ? ` — ${LABEL}` : ''} (driver \`${DRIVER}\`, commit ${commit})`,
  '',
  `\`${PASS_THROUGH.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]} `).join('')}npm run bench:locomo -- <locomo10.json> --driver ${DRIVER}${CONVS.join(',') !== '0,1,2,3,4' ? ` --convs ${CONVS.join(',')}` : ''}${BATCH !== Infinity ? ` --batch ${BATCH}` : ''}${SEARCH !== 'store' ? ` --search ${SEARCH}` : ''}\`, ${minutes} min, load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}. ` +
    `Commands: import ${HAS.import ? 'yes' : 'no'}, search ${HAS.search ? 'yes' : 'no'}.` +
    (DRIVER === 'pipe' ? ' Pipe driver: every session is dated the time of the run (the CLI cannot set a session date).' : ''),
  '',
  '| Conversation | Sessions | Questions | Ceiling | Evidence in context | … or its turn | Search top-10 (… or its turn) | Index top-10 over stored facts, no turns (reference) | Archive recall | Memory tokens / request (median / p95) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => row(r.conv.id, r.conv.questions, { sessions: r.conv.sessions.length })),
  row('**all**', allQs, { sessions: results.reduce((n, r) => n + r.conv.sessions.length, 0) }),
  '',
  `Ingest: ${ingestNotes.join('; ')}.`,
  `Evidence in context came from the system prompt's core memory for ${pct(allQs.filter((q) => q.inCore).length, allQs.length)} of questions and only from what was attached to the question for ${pct(allQs.filter((q) => q.inContext && !q.inCore).length, allQs.length)}.`,
  ...(inProcessCrashes.length ? [`**The tree's code crashed ${inProcessCrashes.length} time(s) in the bench's process** (first: \`${inProcessCrashes[0]}\`).`] : []),
  SEARCH === 'off'
    ? 'Search: not run.'
    : `Search: ${SEARCH === 'store' ? '`ArchiveStore.search(question, 10)` in process' : '`memagent search --limit 10 --json`'}${HAS.search && SEARCH === 'store' ? `; \`memagent search --json\` returned the same texts for ${cliAgree}/${cliChecked} sampled questions` : HAS.search ? '' : ' (no `memagent search` in this build)'}.`,
  '',
);
// Why search misses (reference BM25), and by category
const buckets = new Map();
for (const q of allQs) buckets.set(q.miss, (buckets.get(q.miss) ?? 0) + 1);
const CAT = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' };
lines.push(
  '| Reference index top-10, per question | Questions | Share |',
  '|---|---|---|',
  ...[...buckets].sort((a, b) => b[1] - a[1]).map(([k, n]) => `| ${k} | ${n} | ${pct(n, allQs.length)} |`),
  '',
  '| Category | Questions | Ceiling | In context | Search | Reference index | Archive recall |',
  '|---|---|---|---|---|---|---|',
  ...Object.entries(CAT).map(([c, name]) => {
    const qs = allQs.filter((q) => q.category === Number(c));
    const count = (k) => qs.filter((q) => q[k]).length;
    return `| ${c} ${name} | ${qs.length} | ${pct(count('ceiling'), qs.length)} | ${pct(count('inContext'), qs.length)} | ${SEARCH === 'off' ? 'off' : pct(count('inSearch'), qs.length)} | ${pct(count('inReference'), qs.length)} | ${pct(count('stored'), qs.length)} |`;
  }),
  '',
);
{
  const asked = allQs.filter((q) => q.curve);
  lines.push(
    `What if core memory (today's block, as each request carried it) were joined by the top k of a lexical index over the stored facts (hits already in core skipped; ${RECALL_LINE_OVERHEAD} characters of overhead a line): \`plain\` is the tree's own index (\`SearchIndex\`: minisearch BM25 with the tree's tokenising and boosts, no recency), \`stemmed\` a separate index with stop words dropped and a crude suffix stemmer, \`stemmed + fuzzy\` that one also matching words one edit in five away (misspellings). In process, independent of the tree's own recall; ${asked.length} questions.`,
    '',
    '| Index | k | Evidence in top k | Evidence in core + top k | Memory tokens / request (median / p95) |',
    '|---|---|---|---|---|',
    ...Object.keys(asked[0]?.curve ?? {}).map((key) => {
      const [variant, k] = key.split('@');
      const found = asked.filter((q) => q.curve[key].found).length;
      const searchOnly = asked.filter((q) => q.curve[key].searchOnly).length;
      const tokens = asked.map((q) => q.curve[key].tokens);
      return `| ${variant} | ${k} | ${pct(searchOnly, asked.length)} | ${pct(found, asked.length)} | ${tok(quantile(tokens, 0.5))} / ${tok(quantile(tokens, 0.95))} |`;
    }),
    '',
  );
}
const run = lines.join('\n');
process.stdout.write(`${run}\n`);
if (DETAILS) {
  writeFileSync(DETAILS, JSON.stringify(details, null, 1));
  log(`details (questions and observations: CC BY-NC, keep out of git) in ${DETAILS}`);
}
if (WRITE) writeResults(run);

await new Promise((r) => proxy.close(r));
await fake.close();
if (KEEP) log(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
log(`total ${minutes} min`);

/**
 * Puts this run at the top of the LoCoMo section of bench/RESULTS.md (between its markers),
 * keeping the section's notes and its earlier runs (the last 10), and every other section.
 */
function writeResults(runText) {
  const file = join(BENCH, 'RESULTS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# memagent benchmark results\n';
  const START = '<!-- locomo:start -->';
  const END = '<!-- locomo:end -->';
  const RUNS = '<!-- locomo:runs -->';
  const RUN = '<!-- locomo:run -->';
  let section;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) section = text.slice(a + START.length, b);
  else section = `\n### Recall on LoCoMo (issue 11)\n\nWritten by \`bench/locomo.mjs\` (see bench/README.md); the newest run first.\n\n${RUNS}\n`;
  const r = section.indexOf(RUNS);
  const head = section.slice(0, r + RUNS.length);
  const runs = section
    .slice(r + RUNS.length)
    .split(RUN)
    .map((s) => s.trim())
    .filter(Boolean);
  const next = `${head}\n${[runText.trim(), ...runs.slice(0, 9)].map((s) => `${RUN}\n${s}\n`).join('\n')}`;
  const out = a >= 0 && b > a ? text.slice(0, a + START.length) + next + text.slice(b) : `${text.trimEnd()}\n\n${START}${next}${END}\n`;
  writeFileSync(file, out);
  log('wrote bench/RESULTS.md (LoCoMo section)');
}
