/**
 * `memagent keygen [--passphrase]`: writes a new X25519 age identity to the identity file
 * (`MEMAGENT_IDENTITY_FILE`, else `identity.txt` in the config dir), mode 0600, never over an
 * existing file. From then on every command encrypts what it writes. The secret key is written
 * to that file only; the output names the file and the public key.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, MemagentError, ageIdentityTools } from '../../core/index.js';
import type { Config } from '../config.js';
import { askPassphrase, type PassphraseIo } from '../identity.js';

/** Flags of `keygen`. */
export interface KeygenFlags {
  passphrase?: boolean;
}

/**
 * Creates the identity file (its directory 0700 if missing) with O_EXCL, mode 0600, fsynced;
 * with `--passphrase` the file is the identity encrypted with a passphrase (scrypt, as `age -p`),
 * taken from `MEMAGENT_PASSPHRASE` or asked twice on the terminal.
 * @throws MemagentError when the file exists (nothing is changed); ConfigError when a passphrase
 *   cannot be asked or the two do not match; the fs error otherwise.
 */
export async function runKeygen(config: Config, flags: KeygenFlags, io: PassphraseIo = { stdin: process.stdin, stderr: process.stderr }): Promise<void> {
  const file = config.identityFile;
  const refuse = (): MemagentError =>
    new MemagentError(`${file} already exists: memagent never overwrites an identity (what is encrypted to it could not be read again); move it away first, or set MEMAGENT_IDENTITY_FILE to another path`);
  // Checked before asking for a passphrase; the O_EXCL open below is what guarantees it.
  if (await open(file, 'r').then((h) => (h.close(), true), () => false)) throw refuse();
  let passphrase: string | undefined;
  if (flags.passphrase) {
    passphrase = config.passphrase;
    if (passphrase === undefined) {
      passphrase = await askPassphrase(file, io, 'passphrase for the new identity: ');
      const again = await askPassphrase(file, io, 'the same passphrase again: ');
      if (again !== passphrase) throw new ConfigError('the two passphrases differ; nothing was written');
    }
    if (passphrase === '') throw new ConfigError('an empty passphrase protects nothing; nothing was written');
  }
  const { generateIdentityFile, protectIdentity } = await ageIdentityTools();
  const { text, recipient } = await generateIdentityFile(new Date());
  const data = passphrase === undefined ? text : await protectIdentity(text, passphrase);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
    throw err;
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  process.stdout.write(
    `Wrote a new age identity to ${file} (mode 0600${passphrase === undefined ? '' : ', protected by your passphrase'}).\n` +
      `Public key: ${recipient}\n` +
      'Encryption at rest is on: everything memagent writes from now on is an age file. ' +
      '`memagent encrypt --all` encrypts what is already remembered.\n' +
      `Back this file up: without it nothing encrypted can be read, by memagent or by \`age -d -i ${file}\`.\n`,
  );
}
