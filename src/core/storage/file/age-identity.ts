/**
 * Age identities that need `age-encryption` (the only module importing it; loaded lazily, so a
 * command that neither makes a key nor unlocks a passphrase-protected one never loads it):
 * generating an X25519 identity, and passphrase (scrypt) protection of an identity file.
 */
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { dearmorIfNeeded, isAgeFile, parseIdentity, type AgeIdentity } from './age-cipher.js';

/** Whether an identity file's bytes are themselves an age file (a passphrase-protected identity, `age -p`). Pure. */
export function isProtectedIdentity(bytes: Uint8Array): boolean {
  return isAgeFile(bytes);
}

/**
 * Opens a passphrase-protected identity file (an age file encrypted with a passphrase: scrypt,
 * about a second of CPU by design) and parses the identity inside. Call once per process.
 * @throws Error (no key material in the message) when the passphrase is wrong or the file is
 *   not a passphrase-encrypted identity.
 */
export async function unlockIdentity(bytes: Uint8Array, passphrase: string): Promise<AgeIdentity> {
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  let text: string;
  try {
    text = await decrypter.decrypt(dearmorIfNeeded(bytes), 'text');
  } catch {
    throw new Error('could not be unlocked: wrong passphrase, or not an identity encrypted with one');
  }
  return parseIdentity(text);
}

/**
 * A new X25519 identity in the text form of `age-keygen` (comment lines, then the secret key
 * line) and its recipient (`age1…`).
 */
export async function generateIdentityFile(now: Date): Promise<{ text: string; recipient: string }> {
  const secret = await generateX25519Identity();
  const recipient = await identityToRecipient(secret);
  return { text: `# created: ${now.toISOString()}\n# public key: ${recipient}\n${secret}\n`, recipient };
}

/**
 * `text` (an identity file) encrypted with `passphrase` (scrypt, work factor 2^`logN`, age's
 * default 18 when not given): what `age -p` makes, and what `unlockIdentity` opens.
 */
export async function protectIdentity(text: string, passphrase: string, logN?: number): Promise<Uint8Array> {
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  if (logN !== undefined) e.setScryptWorkFactor(logN);
  return e.encrypt(text);
}
