/**
 * `memagent migrate --to <postgres url | directory> [--user <id> | --all]`: copies memory from the
 * configured store (the memory dir, or MEMAGENT_DATABASE_URL) to another one, verifying each
 * user's copy by comparing exports; the source is only read, and a re-run copies nothing twice.
 */
import { MemagentError, UsageError, migrateUser, type MigrateReport } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';

/** Flags of `migrate`. */
export interface MigrateFlags {
  to?: string;
  user?: string;
  all?: boolean;
}

/**
 * Runs the migration, one line per user on stdout (what was copied, verified), one line per
 * user that failed on stderr. Resolves with the exit code: 0, or 1 when any user failed.
 * @throws UsageError (no --to, --user with --all, the target is the source); the target's
 *   connection error when it cannot be used at all (ConfigError, one line).
 */
export async function runMigrate(services: Services, flags: MigrateFlags): Promise<number> {
  if (!flags.to) throw new UsageError('--to <postgres://… URL or memory directory> is required: where to copy memory to');
  if (flags.all && flags.user !== undefined) throw new UsageError('--user and --all do not go together: one user, or every user');
  const from = services.store;
  const to = services.storeAt(flags.to);
  if (to.location === from.location) throw new UsageError(`--to names the store memagent already uses (${from.location}): nothing to copy`);
  let users: string[];
  let failed = 0;
  if (flags.all) {
    const listed = await from.listUsers();
    for (const u of listed.filter((u) => u.error)) {
      process.stderr.write(`memagent: ${u.userId}: not copied: ${u.error}\n`);
      failed++;
    }
    users = listed.filter((u) => !u.error).map((u) => u.userId);
  } else {
    users = [requireUser(flags.user)];
    if (!(await from.load(users[0])).exists && (await from.archive.sessions(users[0])).length === 0) {
      throw new MemagentError(`nothing is remembered about ${users[0]} in ${from.location}; nothing to copy`);
    }
  }
  for (const userId of users) {
    try {
      process.stdout.write(`${describe(await migrateUser(from, to, userId), to.location)}\n`);
    } catch (err) {
      if (!(err instanceof MemagentError)) throw err;
      process.stderr.write(`memagent: ${userId}: ${err.message}\n`);
      failed++;
    }
  }
  if (flags.all && users.length + failed === 0) process.stdout.write(`no one is remembered in ${from.location}; nothing to copy\n`);
  return failed > 0 ? 1 : 0;
}

/** One line for one user's report. */
function describe(r: MigrateReport, where: string): string {
  const parts = [
    r.memoryWritten ? 'memory copied' : 'memory already there',
    `${r.items} archived item${r.items === 1 ? '' : 's'}`,
    `${r.sessionsCopied} of ${r.sessions} session${r.sessions === 1 ? '' : 's'} copied`,
  ];
  return `${r.userId}: ${parts.join(', ')} to ${where}; verified`;
}
