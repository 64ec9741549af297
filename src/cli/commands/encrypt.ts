/**
 * `memagent encrypt --user <id> | --all` and `memagent decrypt …`: convert what is already in
 * the memory dir to age files (to the configured identity) or back to plaintext, in place, file by
 * file, each atomically; re-running finishes an interrupted run.
 */
import { ConfigError, UsageError, atRestEncryption, validateUserId } from '../../core/index.js';
import type { Services } from '../compose.js';

/** Flags of `encrypt` and `decrypt`. */
export interface ConvertFlags {
  user?: string;
  all?: boolean;
}

/**
 * Converts the files of `--user` or of every user (`--all`: everyone with a memory file, journal
 * or history in the memory dir) and prints one line per user. Files that cannot be decrypted are
 * named on stderr and left as they are.
 * @returns the exit code: 0, or 1 when a file could not be converted.
 * @throws UsageError for neither or both of --user/--all, or with a database; ConfigError without
 *   an identity.
 */
export async function runConvert({ config, store: memoryStore }: Services, flags: ConvertFlags, encrypt: boolean): Promise<number> {
  const verb = encrypt ? 'encrypt' : 'decrypt';
  if ((flags.user === undefined) === !flags.all) throw new UsageError(`${verb} needs --user <id> or --all (one of them)`);
  const store = atRestEncryption(memoryStore);
  if (config.databaseUrl !== undefined || store === null) {
    throw new UsageError(`${verb} converts the files of the memory dir; unset MEMAGENT_DATABASE_URL (memories in PostgreSQL are not encrypted by memagent)`);
  }
  if (!store.cipher.encrypts) {
    throw new ConfigError(`no age identity is configured (${config.identityFile} does not exist): ${encrypt ? 'run `memagent keygen` first' : 'set MEMAGENT_IDENTITY_FILE to the identity the files were encrypted to'}`);
  }
  const users = flags.all ? await store.userIdsOnDisk() : [validateUserId(flags.user ?? '')];
  let failed = 0;
  for (const userId of users) {
    const report = await store.convertEncryption(userId, encrypt);
    for (const f of report.failed) process.stderr.write(`memagent: ${f.path}: ${f.problem}\n`);
    failed += report.failed.length;
    process.stdout.write(
      `${userId}: ${report.converted} ${report.converted === 1 ? 'file' : 'files'} ${verb}ed, ${report.already} already ${encrypt ? 'encrypted' : 'plaintext'}` +
        (report.failed.length ? `, ${report.failed.length} left as they were (above)` : '') +
        '\n',
    );
  }
  if (users.length === 0) process.stdout.write(`No one is remembered yet in ${memoryStore.location}.\n`);
  if (failed > 0) {
    process.stderr.write(`memagent: ${failed} ${failed === 1 ? 'file' : 'files'} could not be ${verb}ed and ${failed === 1 ? 'was' : 'were'} left as they were; nothing was overwritten\n`);
    return 1;
  }
  return 0;
}
