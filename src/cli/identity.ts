/**
 * Encryption at rest, as configured: the age identity file (`Config.identityFile`) read once per
 * process and turned into the file store's cipher. No identity file: encryption is off (files are
 * written in plaintext; an encrypted one is refused with a line saying what to set). A
 * passphrase-protected identity is unlocked once per process (scrypt, about a second), with
 * `MEMAGENT_PASSPHRASE` or by asking on the terminal; never per file.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, PLAINTEXT, ageCipher, ageIdentityTools, isAgeFile, parseIdentity, type FileCipher } from '../core/index.js';
import type { Config } from './config.js';

/** Where a passphrase is asked: a terminal's stdin (raw mode, no echo) and stderr for the prompt. */
export interface PassphraseIo {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The cipher `config` asks for: `PLAINTEXT` when there is no identity file (and none was named),
 * else an age cipher for the identity in it.
 * @throws ConfigError (one line naming the file, never any key material) when a named identity
 *   file is missing, it cannot be read or holds no valid identity, or it is passphrase-protected
 *   and the passphrase is wrong or cannot be asked (no terminal and no `MEMAGENT_PASSPHRASE`).
 */
export async function loadCipher(config: Config, io: PassphraseIo = { stdin: process.stdin, stderr: process.stderr }): Promise<FileCipher> {
  const file = config.identityFile;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !config.identityFileExplicit) return PLAINTEXT;
    if (code === 'ENOENT') throw new ConfigError(`${file}: no such identity file (MEMAGENT_IDENTITY_FILE names it): run \`memagent keygen\` to create it, or point the variable at your identity`);
    throw new ConfigError(`${file}: the age identity file cannot be read (${code ?? err}); check its permissions`);
  }
  try {
    if (!isAgeFile(bytes)) return ageCipher(parseIdentity(bytes.toString('utf8')));
    const passphrase = config.passphrase ?? (await askPassphrase(file, io));
    const { unlockIdentity } = await ageIdentityTools();
    return ageCipher(await unlockIdentity(bytes, passphrase));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: the age identity file ${(err as Error).message}`);
  }
}

/**
 * Asks for the passphrase of `file` on the terminal, without echo.
 * @throws ConfigError when stdin is not a terminal, or on Ctrl+C / Ctrl+D.
 */
export function askPassphrase(file: string, io: PassphraseIo, prompt = `passphrase for ${file}: `): Promise<string> {
  const { stdin, stderr } = io;
  if (!stdin.isTTY) {
    return Promise.reject(new ConfigError(`${file}: the age identity is passphrase-protected: set MEMAGENT_PASSPHRASE, or run memagent on a terminal to be asked`));
  }
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (data: Buffer | string): void => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(typed);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          done();
          reject(new ConfigError(`${file}: no passphrase given; nothing was read or written`));
          return;
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
