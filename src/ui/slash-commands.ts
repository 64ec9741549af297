/**
 * The slash command table and the parsing of what the user submitted: a message for the model,
 * a command, an exit word, or an unknown command (a hint, never a model call). No Ink or React:
 * commands run against a small slice of `ChatSession` and return lines to print.
 */
import { contextFill, describeRemembered, describeRetag, FACT_KINDS, formatCost, terminalSafe, type ChatSession, type MemoryChange } from '../core/index.js';
import type { Tone } from './theme.js';

/** One line of command output and how to colour it. */
export interface OutputLine {
  readonly text: string;
  readonly tone: Tone;
}

/** What commands may touch: the session's public surface and the memory view of the CLI. */
export interface CommandContext {
  readonly session: Pick<ChatSession, 'remember' | 'forget' | 'pin' | 'clear' | 'setModel' | 'usage' | 'spend' | 'options' | 'lastRecall'>;
  /** The memory as `memagent show` prints it. */
  readonly memoryView: () => string;
}

/** What a command did: lines to print, and what else changed that the REPL must follow. */
export interface CommandResult {
  readonly lines: readonly OutputLine[];
  readonly cleared?: boolean;
  /** Something was forgotten: the input history on disk was scrubbed too, so reload it. */
  readonly forgot?: boolean;
}

/** A slash command. `run` may throw (e.g. a lock timeout); the caller prints the error. */
export interface SlashCommand {
  readonly name: string;
  /** Argument synopsis for /help, e.g. `<text>`. */
  readonly args: string;
  readonly summary: string;
  run(args: string, ctx: CommandContext): Promise<CommandResult>;
}

const line = (text: string, tone: Tone = 'normal'): OutputLine => ({ text, tone });
const result = (...lines: OutputLine[]): CommandResult => ({ lines });

/** Every command, in /help order. `/exit` is handled by `parseInput` before the table. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    name: 'help',
    args: '',
    summary: 'list commands and keys',
    run: async () => ({ lines: helpLines() }),
  },
  {
    name: 'memory',
    args: '',
    summary: 'show what is remembered about you',
    run: async (_args, ctx) => ({ lines: ctx.memoryView().replace(/\n+$/, '').split('\n').map((t) => line(t)) }),
  },
  {
    name: 'recall',
    args: '',
    summary: 'show what was recalled from earlier sessions for your last message',
    async run(_args, ctx) {
      const recall = ctx.session.lastRecall;
      if (!recall) {
        const off = ctx.session.options.recallBudgetTokens === 0;
        return result(line(off ? 'Automatic recall is off (MEMAGENT_RECALL_BUDGET=0).' : 'Nothing was recalled for your last message.', 'dim'));
      }
      const n = recall.hits.length;
      return result(
        line(`Recalled for your last message (${n} ${n === 1 ? 'memory' : 'memories'}, ~${recall.tokens} tokens):`),
        ...recall.lines.map((l) => line(`  ${terminalSafe(l)}`, 'dim')),
      );
    },
  },
  {
    name: 'remember',
    args: '[--kind <kind>] <text>',
    summary: 'remember something now (pinned)',
    async run(args, ctx) {
      const parsed = parseRememberArgs(args);
      if (typeof parsed === 'string') return result(line(parsed, 'warn'));
      if (ctx.session.options.incognito) return result(line('Incognito: nothing is saved from this session, /remember included (start without --incognito to remember).', 'warn'));
      const changes = await ctx.session.remember(parsed.text, parsed.kind);
      if (changes.length === 0) return result(line('Nothing to remember in that (it was empty after removing secrets).', 'warn'));
      return { lines: changes.filter((c) => c.type !== 'summary').map(describeRemembered) };
    },
  },
  {
    name: 'forget',
    args: '<id>',
    summary: 'forget one fact or decision by id (see /memory)',
    async run(args, ctx) {
      if (!args) return result(line('Usage: /forget <id>; /memory shows the ids', 'warn'));
      const removed = await ctx.session.forget(args);
      return removed !== null
        ? { lines: [line(`- forgot: ${terminalSafe(removed)} (${args})`, 'good')], forgot: true }
        : result(line(`Nothing remembered has the id ${args}; /memory shows the ids.`, 'warn'));
    },
  },
  pinCommand('pin', true),
  pinCommand('unpin', false),
  {
    name: 'clear',
    args: '',
    summary: 'start a new conversation (memory is kept)',
    async run(_args, ctx) {
      ctx.session.clear();
      return { lines: [line('── new conversation · memory kept ──', 'dim')], cleared: true };
    },
  },
  {
    name: 'model',
    args: '[name]',
    summary: 'show or switch the chat model',
    async run(args, ctx) {
      if (!args) {
        const o = ctx.session.options;
        return result(line(`Model: ${o.model} (memory extraction: ${o.extractModel})`));
      }
      ctx.session.setModel(args);
      return result(line(`Model set to ${args} for the next turns.`, 'good'));
    },
  },
  {
    name: 'usage',
    args: '',
    summary: 'tokens and cost of this session, and how full the context is',
    async run(_args, ctx) {
      const u = ctx.session.usage;
      const { usd, lastPromptTokens } = ctx.session.spend;
      const model = ctx.session.options.model;
      const n = (x: number) => x.toLocaleString('en-US');
      const fill = lastPromptTokens > 0 ? contextFill(model, lastPromptTokens) : null;
      return result(
        line('Tokens this session (chat turns, interrupted ones included as far as the API reported them):'),
        line(`  input        ${n(u.inputTokens)}`),
        line(`  output       ${n(u.outputTokens)}`),
        line(`  cache read   ${n(u.cacheReadTokens)}`),
        line(`  cache write  ${n(u.cacheWriteTokens)}`),
        line(usd === null ? `  cost         unknown (no price on file for ${model}; tokens only)` : `  cost         ${formatCost(usd)} (list prices, USD)`),
        line(
          fill
            ? `  context      ${n(lastPromptTokens)} of ${n(fill.window)} tokens (${fill.percent.toFixed(1)}%) at the last turn`
            : lastPromptTokens > 0
              ? `  context      ${n(lastPromptTokens)} tokens at the last turn (window of ${model} unknown)`
              : '  context      nothing sent yet',
          'dim',
        ),
      );
    },
  },
  {
    name: 'exit',
    args: '',
    summary: 'save what was learned and quit (also: exit, quit, Ctrl+D)',
    run: async () => result(),
  },
];

function pinCommand(name: 'pin' | 'unpin', pinned: boolean): SlashCommand {
  return {
    name,
    args: '<id>',
    summary: pinned ? 'always keep a fact in memory (see /memory for ids)' : 'let a pinned fact be ranked like the others again',
    async run(args, ctx) {
      if (!args) return result(line(`Usage: /${name} <id>; /memory shows the ids`, 'warn'));
      if (ctx.session.options.incognito) return result(line(`Incognito: nothing is saved from this session, /${name} included.`, 'warn'));
      const outcome = await ctx.session.pin(args, pinned);
      if (outcome === null) return result(line(`No remembered fact has the id ${args}; /memory shows the ids.`, 'warn'));
      return { lines: [describeRetag(outcome.retag), ...outcome.warnings.map((w) => line(`! ${w}`, 'warn'))] };
    },
  };
}

/**
 * The arguments of `/remember`: `[--kind <kind>] <text>`; a usage line (string) when they are
 * not valid. Pure.
 */
export function parseRememberArgs(args: string): { text: string; kind: (typeof FACT_KINDS)[number] } | string {
  const usage = `Usage: /remember [--kind ${FACT_KINDS.join('|')}] <text>, e.g. /remember --kind preference I like tea`;
  const m = /^--kind(?:=|\s+)(\S+)\s*([\s\S]*)$/.exec(args);
  const kind = m ? m[1].toLowerCase() : 'fact';
  const text = (m ? m[2] : args).trim();
  if (!(FACT_KINDS as readonly string[]).includes(kind)) return `Unknown kind "${m?.[1]}". ${usage}`;
  if (!text) return usage;
  return { text, kind: kind as (typeof FACT_KINDS)[number] };
}

/** /help: the commands, then the keys. */
export function helpLines(): OutputLine[] {
  const width = Math.max(...SLASH_COMMANDS.map((c) => `/${c.name} ${c.args}`.length));
  return [
    line('Commands:'),
    ...SLASH_COMMANDS.map((c) => line(`  ${`/${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`)),
    line('Keys:'),
    line('  Enter send · \\ then Enter or Alt+Enter new line · Tab complete a command', 'dim'),
    line('  ↑/↓ history · Ctrl+R search history · Ctrl+A/E line start/end · Ctrl+W word · Ctrl+U line', 'dim'),
    line('  Enter while an answer streams queues the message · Esc or Ctrl+C stop an answer (queued messages come back)', 'dim'),
    line('  Ctrl+L clear the screen · Ctrl+Z suspend (fg resumes) · Ctrl+C twice or Ctrl+D quit · // sends a literal /', 'dim'),
  ];
}

/** What a submitted prompt means. */
export type ParsedInput =
  | { readonly kind: 'empty' }
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'exit' }
  | { readonly kind: 'command'; readonly command: SlashCommand; readonly args: string }
  | { readonly kind: 'unknown'; readonly name: string; readonly hint: string };

/** Names that quit when typed alone, as in most REPLs. */
const EXIT_WORDS = new Set(['exit', 'quit', '/exit', '/quit']);

function findCommand(name: string): SlashCommand | undefined {
  return SLASH_COMMANDS.find((c) => c.name === name);
}

/** Edit distance, for "did you mean". Small strings only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * Classifies submitted text. `//text` sends `/text` as a message. A message keeps its text
 * exactly (only a fully blank prompt is `empty`).
 */
export function parseInput(text: string): ParsedInput {
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'empty' };
  if (EXIT_WORDS.has(trimmed.toLowerCase())) return { kind: 'exit' };
  if (trimmed.startsWith('//')) return { kind: 'message', text: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { kind: 'message', text };
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed);
  const name = (match?.[1] ?? '').toLowerCase();
  const args = (match?.[2] ?? '').trim();
  const command = findCommand(name);
  if (command) return command.name === 'exit' ? { kind: 'exit' } : { kind: 'command', command, args };
  const near = SLASH_COMMANDS.map((c) => ({ c, d: distance(name, c.name) }))
    .filter((x) => x.d <= 2 || x.c.name.startsWith(name))
    .sort((x, y) => x.d - y.d)[0];
  const guess = near && name ? ` Did you mean /${near.c.name}?` : '';
  return {
    kind: 'unknown',
    name,
    hint: `Unknown command /${name}.${guess} /help lists commands; start with // to send a message beginning with /.`,
  };
}

/**
 * The `/` menu: while the prompt is `/` plus part of a command name, one line per matching
 * command with what it does (`/remember <text>  remember something now`); [] otherwise. Pure.
 */
export function commandMenu(text: string): string[] {
  const m = /^\/([a-z]*)$/i.exec(text);
  if (!m) return [];
  const matches = SLASH_COMMANDS.filter((c) => c.name.startsWith(m[1].toLowerCase()));
  const width = Math.max(0, ...matches.map((c) => `/${c.name} ${c.args}`.trimEnd().length));
  return matches.map((c) => `${`/${c.name} ${c.args}`.trimEnd().padEnd(width)}  ${c.summary}`);
}

/**
 * Tab completion of a command name. Only completes when the prompt is `/` plus part of a name
 * (no space yet).
 * @returns the completed prompt (the unique match plus a space, or the longest common prefix)
 *   and the candidates, or null when the prompt is not a partial command.
 */
export function completeCommand(text: string): { text: string; candidates: string[] } | null {
  const m = /^\/([a-z]*)$/i.exec(text);
  if (!m) return null;
  const prefix = m[1].toLowerCase();
  const names = SLASH_COMMANDS.map((c) => c.name).filter((n) => n.startsWith(prefix));
  if (names.length === 0) return { text, candidates: [] };
  if (names.length === 1) return { text: `/${names[0]} `, candidates: names };
  let common = names[0];
  for (const n of names) while (!n.startsWith(common)) common = common.slice(0, -1);
  return { text: `/${common}`, candidates: names };
}
