/**
 * The command line: commander parses flags, each command module is loaded lazily (so `--version`
 * and `show` never load Ink, React or the SDK), and every error a user can cause is printed here,
 * in one place, as one line on stderr with its exit code. Only this file and `signals.ts` end the
 * process (through `exit.ts`, which waits for stdout and stderr to drain); nothing prints a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import dotenv from 'dotenv';
// The start-up path imports errors.js alone: through the index, `--version` would load zod and
// most of the core (a 61 KB chunk; esbuild splits by what an entry reaches).
import { MemagentError } from '../core/errors.js';
import type { Services } from './compose.js';
import type { CommonFlags } from './config.js';
import { exitWhenDrained } from './exit.js';

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
async function config(flags: CommonFlags): Promise<Services> {
  const [{ resolveConfig }, { compose }] = await Promise.all([import('./config.js'), import('./compose.js')]);
  return compose(resolveConfig(flags, process.env, process.cwd()));
}

const memoryDirOption = () => new Option('--memory-dir <dir>', 'where memory files live (env MEMAGENT_MEMORY_DIR, default ./memory)');

/** Builds the commander program (exported for tests of argument parsing). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('memagent')
    .description('A terminal chat with Claude that remembers you between sessions.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run memagent --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `memagent: ${s}` : s) });

  program
    .command('chat')
    .description('chat with Claude; what you teach it is remembered for next time')
    .requiredOption('-u, --user <id>', 'whose memory to use (letters, digits, . _ -)')
    .option('-m, --model <name>', 'chat model (env MEMAGENT_MODEL)')
    .addOption(memoryDirOption())
    .option('--incognito', 'read memory but journal and remember nothing from this session')
    .option('--review', 'review each memory change before it is saved')
    .action(async (flags) => {
      const { runChat } = await import('./commands/chat.js');
      process.exitCode = await runChat(await config(flags), flags);
    });

  program
    .command('show')
    .description('show what is remembered (all users, or one with --user)')
    .option('-u, --user <id>', 'one user')
    .option('--json', 'print the validated memory file as JSON')
    .option('--all', 'include superseded and retracted facts')
    .option('--history', 'list the saved versions that undo can restore')
    .addOption(memoryDirOption())
    .action(async (flags) => {
      const { runShow } = await import('./commands/show.js');
      await runShow(await config(flags), flags);
    });

  program
    .command('compact')
    .description('consolidate a user\'s memory with one model pass (merge duplicates, rewrite the summary)')
    .requiredOption('-u, --user <id>', 'whose memory to compact')
    .option('--dry-run', 'print the changes without writing them')
    .option('-y, --yes', 'allow removing more than a third of active facts')
    .addOption(memoryDirOption())
    .action(async (flags) => {
      const { runCompact } = await import('./commands/compact.js');
      process.exitCode = await runCompact(await config(flags), flags);
    });

  program
    .command('forget')
    .description('permanently delete facts (by id, by matching text, or everything of a user)')
    .requiredOption('-u, --user <id>', 'whose memory')
    .argument('[ids...]', 'fact or decision ids (see memagent show --user <id>)')
    .option('--match <text>', 'delete every fact, decision and journal line containing this text')
    .option('--all', 'delete everything remembered about the user')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(memoryDirOption())
    .action(async (ids: string[], flags) => {
      const { runForget } = await import('./commands/manage.js');
      process.exitCode = await runForget(await config(flags), ids, flags);
    });

  program
    .command('undo')
    .description('restore the memory file as it was before its last write')
    .requiredOption('-u, --user <id>', 'whose memory')
    .addOption(memoryDirOption())
    .action(async (flags) => {
      const { runUndo } = await import('./commands/manage.js');
      await runUndo(await config(flags), flags);
    });

  program
    .command('export')
    .description('print a user\'s memory as JSON or Markdown')
    .requiredOption('-u, --user <id>', 'whose memory')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('json'))
    .addOption(memoryDirOption())
    .action(async (flags) => {
      const { runExport } = await import('./commands/manage.js');
      await runExport(await config(flags), flags);
    });

  return program;
}

async function main(): Promise<void> {
  // quiet: dotenv 17+ logs a banner by default, which would land in pipes.
  dotenv.config({ quiet: true });
  const program = buildProgram();
  try {
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
