/**
 * What `--help` adds under each command's options: examples, and the environment variables the
 * command reads. One table, applied to whatever commands the program has (`applyHelp`), so a
 * command registered later only needs its rows here. Errors point at the subcommand's help.
 */
import type { Command } from 'commander';

/** Variables every command that opens memory reads. */
const STORE_ENV = [
  ['MEMAGENT_MEMORY_DIR', 'where memory lives (default: your user data dir)'],
  ['MEMAGENT_DATABASE_URL', 'keep memory in PostgreSQL instead (postgres://user:password@host/db)'],
] as const;

const MODEL_ENV = [
  ['ANTHROPIC_API_KEY', 'your API key (required for chat, compact and import)'],
  ['ANTHROPIC_BASE_URL', 'another Messages API endpoint (e.g. a proxy, or the fake API for tests)'],
] as const;

interface CommandHelp {
  examples: ReadonlyArray<readonly [string, string]>;
  env: ReadonlyArray<readonly [string, string]>;
}

/** Examples and environment variables per command name. */
export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  chat: {
    examples: [
      ['memagent', 'chat as your OS user'],
      ['memagent chat --user alice', 'chat as alice'],
      ['memagent "what did I decide about pricing?"', 'ask one question and exit'],
      ['git diff | memagent "review this"', 'piped text becomes context'],
      ['memagent chat --incognito', 'use memory, remember nothing'],
      ['memagent chat --continue', 'reopen your last conversation'],
    ],
    env: [
      ...MODEL_ENV,
      ['MEMAGENT_MODEL', 'chat model'],
      ['MEMAGENT_EXTRACT_MODEL', 'model that extracts what to remember at exit'],
      ['MEMAGENT_MEMORY_BUDGET', 'tokens of memory in the system prompt'],
      ['MEMAGENT_RECALL_BUDGET', 'tokens of recalled memory attached to each message (0: off)'],
      ...STORE_ENV,
    ],
  },
  show: {
    examples: [
      ['memagent show', 'everyone remembered, one line each'],
      ['memagent show --user alice', 'what the model sees about alice'],
      ['memagent show --user alice --all --json', 'everything, history included, as JSON'],
    ],
    env: STORE_ENV,
  },
  compact: {
    examples: [
      ['memagent compact --user alice --dry-run', 'see what would change'],
      ['memagent compact --user alice', 'merge duplicates, rewrite the summary'],
    ],
    env: [...MODEL_ENV, ['MEMAGENT_EXTRACT_MODEL', 'model of the compaction pass'], ...STORE_ENV],
  },
  forget: {
    examples: [
      ['memagent forget --user alice f_k2x9q0a1b3', 'delete one fact by id'],
      ['memagent forget --user alice --match "Lisbon"', 'delete everything mentioning Lisbon'],
      ['memagent forget --user alice --all --yes', 'delete everything about alice'],
    ],
    env: STORE_ENV,
  },
  undo: {
    examples: [['memagent undo --user alice', 'revert the last write (run again to revert the undo)']],
    env: STORE_ENV,
  },
  restore: {
    examples: [
      ['memagent show --user alice --history', 'list kept versions'],
      ['memagent restore --user alice --revision 12', 'bring back revision 12'],
    ],
    env: STORE_ENV,
  },
  edit: {
    examples: [
      ['memagent edit --user alice', 'edit in $VISUAL or $EDITOR (else vi)'],
      ['EDITOR=nano memagent edit', 'with another editor'],
    ],
    env: [
      ['VISUAL, EDITOR', 'the editor to open'],
      ...STORE_ENV,
    ],
  },
  export: {
    examples: [
      ['memagent export --user alice > alice-backup', 'everything remembered, as JSON'],
      ['memagent export --user alice --format md', 'as Markdown'],
    ],
    env: STORE_ENV,
  },
  import: {
    examples: [
      ['memagent import --user alice ./old-chats', 'import past conversations (a re-run resumes)'],
      ['memagent search --user alice trip to Porto', 'then find what was imported'],
    ],
    env: [...MODEL_ENV, ['MEMAGENT_EXTRACT_MODEL', 'model that extracts each session'], ...STORE_ENV],
  },
  search: {
    examples: [
      ['memagent search --user alice pricing page', 'what was said or learned about it'],
      ['memagent search --user alice --limit 3 --json lisbon', 'the best three hits as JSON'],
    ],
    env: STORE_ENV,
  },
  sessions: {
    examples: [
      ['memagent sessions --user alice', 'kept conversations, oldest first'],
      ['memagent chat --resume <session>', 'continue one of them'],
    ],
    env: STORE_ENV,
  },
  migrate: {
    examples: [
      ['memagent migrate --to postgres://me:secret@db.example/memagent --all', 'every user from files into PostgreSQL'],
      ['MEMAGENT_DATABASE_URL=postgres://… memagent migrate --to ~/memagent-copy --user alice', 'alice back into files'],
    ],
    env: STORE_ENV,
  },
  keygen: {
    examples: [
      ['memagent keygen', 'create the identity: encryption at rest is then on'],
      ['memagent keygen --passphrase', 'the identity itself protected by a passphrase'],
    ],
    env: [['MEMAGENT_IDENTITY_FILE', 'where the identity is (default: identity.txt in the config dir)']],
  },
  encrypt: {
    examples: [
      ['memagent encrypt --all', 'encrypt what is already in the memory dir (resumable)'],
      ['memagent encrypt --user alice', 'one user'],
    ],
    env: [
      ['MEMAGENT_IDENTITY_FILE', 'the age identity (default: identity.txt in the config dir)'],
      ['MEMAGENT_PASSPHRASE', 'its passphrase, if it has one (else asked on the terminal)'],
      ...STORE_ENV,
    ],
  },
  decrypt: {
    examples: [['memagent decrypt --all', 'back to plaintext (move the identity away afterwards)']],
    env: [
      ['MEMAGENT_IDENTITY_FILE', 'the age identity (default: identity.txt in the config dir)'],
      ['MEMAGENT_PASSPHRASE', 'its passphrase, if it has one (else asked on the terminal)'],
      ...STORE_ENV,
    ],
  },
  completion: {
    examples: [
      ['memagent completion bash >> ~/.bashrc', 'bash'],
      ['memagent completion zsh > "${fpath[1]}/_memagent"', 'zsh'],
      ['memagent completion fish > ~/.config/fish/completions/memagent.fish', 'fish'],
    ],
    env: [],
  },
};

/** The text `--help` prints after a command's options. */
export function helpAfter(help: CommandHelp): string {
  const width = Math.max(0, ...help.examples.map(([cmd]) => cmd.length), ...help.env.map(([name]) => name.length));
  const rows = (items: CommandHelp['examples']) => items.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
  const parts = ['', 'Examples:', ...rows(help.examples)];
  if (help.env.length) parts.push('', 'Environment (also read from .env in the current directory and the config dir):', ...rows(help.env));
  return parts.join('\n');
}

/**
 * Adds examples and environment variables to each command's `--help` (commands without a row
 * get none), and makes a usage error name the command's own help.
 */
export function applyHelp(program: Command): void {
  for (const command of program.commands) {
    const help = COMMAND_HELP[command.name()];
    if (help) command.addHelpText('after', helpAfter(help));
    command.showHelpAfterError(`(see memagent ${command.name()} --help)`);
  }
}

/**
 * Commander's error output as one line: `error: unknown option '--usr'\n(Did you mean --user?)\n`
 * becomes `memagent: error: unknown option '--usr' (did you mean --user?)`; the help hint that
 * follows is its own line. Other output is passed through.
 */
export function oneLineError(text: string): string {
  if (!text.startsWith('error:')) return text;
  const joined = text.trimEnd().replace(/\n\(Did you mean (.*)\)$/s, ' (did you mean $1)').replace(/\n/g, ' ');
  return `memagent: ${joined}\n`;
}
