/**
 * The command line: commander parses flags, each command module is loaded lazily (so `--version`
 * and `show` never load Ink, React or the SDK), and every error a user can cause is printed here,
 * in one place, as one line on stderr with its exit code. Only this file and `signals.ts` end the
 * process (through `exit.ts`, which waits for stdout and stderr to drain); nothing prints a stack trace.
 */
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import dotenv from 'dotenv';
// The start-up path imports errors.js alone: through the index, `--version` would load zod and
// most of the core (a 61 KB chunk; esbuild splits by what an entry reaches).
import { MemagentError, UsageError } from '../core/errors.js';
import type { Services } from './compose.js';
import type { CommonFlags } from './config.js';
import { exitWhenDrained } from './exit.js';
import { applyHelp, oneLineError } from './help.js';
import { userDirs } from './user-dirs.js';

declare const MEMAGENT_VERSION: string | undefined;
const VERSION = typeof MEMAGENT_VERSION === 'string' ? MEMAGENT_VERSION : '0.1.0';

/** Prints one line for `error` and exits with its code. Unknown errors are bugs: one line too, exit 70. */
function fail(error: unknown): void {
  if (error instanceof MemagentError) {
    process.stderr.write(`memagent: ${error.message}\n`);
    return exitWhenDrained(error.exitCode);
  }
  if (error instanceof CommanderError) {
    return exitWhenDrained(error.exitCode === 1 ? 2 : error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`memagent: unexpected error: ${message} (set MEMAGENT_DEBUG=1 for details)\n`);
  if (process.env.MEMAGENT_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  exitWhenDrained(70);
}

/**
 * Resolves the configuration and builds the command's services (the composition root); loaded
 * lazily because it brings zod, which `--version` does not need.
 */
async function config(flags: CommonFlags, opts: { readOnly?: boolean } = {}): Promise<Services> {
  const [{ resolveConfig }, { compose, remembersSomeone }, { showMoveHintOnce }, { loadCipher }] = await Promise.all([
    import('./config.js'),
    import('./compose.js'),
    import('./memory-move-hint.js'),
    import('./identity.js'),
  ]);
  const resolved = resolveConfig(flags, process.env, process.cwd());
  await showMoveHintOnce(resolved, process.cwd(), Boolean(opts.readOnly), remembersSomeone);
  return compose(resolved, { ...opts, cipher: await loadCipher(resolved) });
}

const memoryDirOption = () =>
  new Option('--memory-dir <dir>', 'where memory files live (env MEMAGENT_MEMORY_DIR, default: your user data dir, e.g. ~/.local/share/memagent)');
const databaseUrlOption = () =>
  new Option('--database-url <url>', 'keep memories in PostgreSQL instead of files (env MEMAGENT_DATABASE_URL, postgres://user:password@host:port/db); journals and input history stay in the memory dir');
const userOption = (what: string) => new Option('-u, --user <id>', `${what} (default: your OS user name)`);

/** The commands, for telling a mistyped one (`memagent shwo`) from a one-word prompt. */
const COMMANDS = ['chat', 'show', 'compact', 'forget', 'undo', 'restore', 'export', 'edit', 'import', 'search', 'sessions', 'migrate', 'keygen', 'encrypt', 'decrypt', 'completion', 'help'];

/**
 * The command `word` is probably a typo of (the same letters in another order, or one letter added
 * or dropped; not one changed, so `memagent what` stays a question), or null. Only asked about a
 * lone first word of `memagent <word>`.
 */
export function mistypedCommand(word: string): string | null {
  if (word.length < 3 || !/^[a-z]+$/i.test(word)) return null;
  const w = word.toLowerCase();
  const sorted = (s: string) => [...s].sort().join('');
  return COMMANDS.find((c) => c !== w && (sorted(c) === sorted(w) || (c.length !== w.length && editDistance(c, w) === 1))) ?? null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** Builds the commander program (exported for tests of argument parsing). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('memagent')
    .description('A terminal chat with Claude that remembers you between sessions.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run memagent --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(oneLineError(s)) });

  program
    // The default command: `memagent` alone opens a chat, `memagent "question"` asks one.
    .command('chat', { isDefault: true })
    .description('chat with Claude; what you teach it is remembered for next time (the default command)')
    .argument('[prompt...]', 'ask this one question, print the answer and exit (piped stdin is added as context)')
    .addOption(userOption('whose memory to use (letters, digits, . _ -)'))
    .option('-m, --model <name>', 'chat model (env MEMAGENT_MODEL)')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .option('--incognito', 'read memory but journal and remember nothing from this session')
    .option('--review', 'review each memory change before it is saved')
    .option('-c, --continue', 'reopen your last conversation: its turns start this one (a new session)')
    .option('-r, --resume [session]', 'reopen a past conversation by id (memagent sessions), or pick one from a list')
    .action(async (words: string[], flags) => {
      const { runChat } = await import('./commands/chat.js');
      const prompt = words.length > 0 ? words.join(' ') : undefined;
      process.exitCode = await runChat(await config(flags), { ...flags, prompt });
    });

  program
    .command('show')
    .description('show what is remembered (all users, or one with --user)')
    .option('-u, --user <id>', 'one user')
    .option('--json', 'print the validated memory file as JSON')
    .option('--all', 'include superseded and retracted facts')
    .option('--history', 'list the earlier versions kept for undo and restore')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runShow } = await import('./commands/show.js');
      await runShow(await config(flags, { readOnly: true }), flags);
    });

  program
    .command('compact')
    .description('consolidate a user\'s memory with one model pass (merge duplicates, rewrite the summary)')
    .addOption(userOption('whose memory to compact'))
    .option('--dry-run', 'print the changes without writing them')
    .option('-y, --yes', 'allow removing more than a third of active facts')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runCompact } = await import('./commands/compact.js');
      process.exitCode = await runCompact(await config(flags), flags);
    });

  program
    .command('forget')
    .description('permanently delete facts (by id, by matching text, or everything of a user)')
    .addOption(userOption('whose memory'))
    .argument('[ids...]', 'fact or decision ids (see memagent show --user <id>)')
    .option('--match <text>', 'delete every fact, decision and journal line mentioning these whole words (asks first)')
    .option('--substring', 'with --match: also match inside words ("lisb" finds "Lisbon")')
    .option('--all', 'delete everything remembered about the user')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal for --match and --all)')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (ids: string[], flags) => {
      const { runForget } = await import('./commands/manage.js');
      process.exitCode = await runForget(await config(flags), ids, flags);
    });

  program
    .command('undo')
    .description('revert the last write of a user\'s memory (again: revert the undo)')
    .addOption(userOption('whose memory'))
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runUndo } = await import('./commands/undo.js');
      await runUndo(await config(flags), flags);
    });

  program
    .command('restore')
    .description('bring back a kept version of a user\'s memory (a corrupt memory file is moved aside)')
    .addOption(userOption('whose memory'))
    .option('--revision <n>', 'which version (memagent show --user <id> --history); default: the newest intact earlier one')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runRestore } = await import('./commands/undo.js');
      await runRestore(await config(flags), flags);
    });

  program
    .command('edit')
    .description('edit a user\'s memory in $EDITOR; changes are shown and asked before they are saved')
    .addOption(userOption('whose memory'))
    .option('-y, --yes', 'apply the edit without asking (required without a terminal)')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runEdit } = await import('./commands/edit.js');
      process.exitCode = await runEdit(await config(flags), flags);
    });

  program
    .command('export')
    .description('print a user\'s memory as JSON or Markdown')
    .addOption(userOption('whose memory'))
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('json'))
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runExport } = await import('./commands/manage.js');
      await runExport(await config(flags, { readOnly: true }), flags);
    });

  program
    .command('keygen')
    .description('create the age identity that turns on encryption at rest (never overwrites one)')
    .option('--passphrase', 'protect the identity file with a passphrase (asked twice, or MEMAGENT_PASSPHRASE)')
    .action(async (flags: { passphrase?: boolean }) => {
      const [{ resolveConfig }, { runKeygen }] = await Promise.all([import('./config.js'), import('./commands/keygen.js')]);
      await runKeygen(resolveConfig({}, process.env, process.cwd()), flags);
    });

  for (const [name, encrypt] of [['encrypt', true], ['decrypt', false]] as const) {
    program
      .command(name)
      .description(
        encrypt
          ? 'encrypt what is already remembered (memory, versions, journals, input history) with your age identity, in place'
          : 'turn encrypted files back into plaintext, in place (then move the identity away to stay off)',
      )
      .option('-u, --user <id>', 'one user')
      .option('--all', 'every user in the memory dir')
      .addOption(memoryDirOption())
      .action(async (flags) => {
        const { runConvert } = await import('./commands/encrypt.js');
        process.exitCode = await runConvert(await config(flags), flags, encrypt);
      });
  }

  program
    .command('import')
    .description('bring past conversations into memory, session by session with their own dates (a re-run resumes)')
    .addOption(userOption('whose memory to import into'))
    .argument('<file>', 'a JSON file {"sessions":[{"date","turns":[{"role","text"}]}]}, or JSON Lines with one session per line (see the README)')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (file: string, flags) => {
      const { runImport } = await import('./commands/import.js');
      process.exitCode = await runImport(await config(flags), file, flags);
    });

  program
    .command('search')
    .description('search everything remembered and every kept conversation, as the model sees the hits')
    .addOption(userOption('whose memory to search'))
    .argument('<query...>', 'words to look for')
    .option('-n, --limit <n>', 'at most this many hits (1-50)', '10')
    .option('--json', 'print the hits as JSON')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (words: string[], flags) => {
      const { runSearch } = await import('./commands/search.js');
      await runSearch(await config(flags, { readOnly: true }), words.join(' '), flags);
    });

  program
    .command('sessions')
    .description('list the conversations kept for a user (date, turns, first line), to --resume one')
    .addOption(userOption('whose conversations'))
    .option('--json', 'print them as JSON')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runSessions } = await import('./commands/sessions.js');
      await runSessions(await config(flags, { readOnly: true }), flags);
    });

  program
    .command('migrate')
    .description('copy memory to another store (a postgres:// URL or a memory directory), verified; the source is left as it is')
    .requiredOption('--to <url|dir>', 'where to copy to: postgres://user:password@host:port/db, or a memory directory')
    .addOption(userOption('whose memory'))
    .option('--all', 'every user')
    .addOption(memoryDirOption())
    .addOption(databaseUrlOption())
    .action(async (flags) => {
      const { runMigrate } = await import('./commands/migrate.js');
      process.exitCode = await runMigrate(await config(flags, { readOnly: true }), flags);
    });

  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const { completionScript } = await import('./completion.js');
      process.stdout.write(completionScript(program, shell));
    });

  applyHelp(program);
  return program;
}

async function main(): Promise<void> {
  // quiet: dotenv 17+ logs a banner by default, which would land in pipes. The cwd's .env first,
  // then the config dir's: dotenv never overrides a variable already set, so real variables win,
  // then the cwd's file, then the config dir's.
  const program = buildProgram();
  try {
    dotenv.config({ quiet: true });
    // os.homedir() throws without HOME for a user with no passwd entry: one line, not a crash.
    dotenv.config({ quiet: true, path: path.join(userDirs(process.env, process.platform, os.homedir()).config, '.env') });
    const [first, ...rest] = process.argv.slice(2);
    const typo = first !== undefined && rest.length === 0 ? mistypedCommand(first) : null;
    if (typo) {
      throw new UsageError(`unknown command '${first}' (did you mean ${typo}?); to ask it as a question: memagent chat ${JSON.stringify(first)}`);
    }
    await program.parseAsync(process.argv);
    // Exit once stdout and stderr have drained rather than when the event loop does: idle
    // keep-alive sockets and timers would otherwise keep a finished command alive for tens of ms.
    exitWhenDrained(typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (error) {
    // --help and --version end through exitOverride with code 0.
    if (error instanceof CommanderError && error.exitCode === 0) return exitWhenDrained(0);
    fail(error);
  }
}

void main();
