/**
 * The age cipher of the file store: files it writes decrypt with the real `age` tool and files
 * `age` writes are read; a wrong key, a truncated or bit-flipped file, plaintext where ciphertext
 * is expected and the reverse are each told apart and named.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CipherError, PLAINTEXT, ageCipher, isAgeFile, parseIdentity } from '../src/core/storage/file/age-cipher.js';
import { generateIdentityFile, protectIdentity, unlockIdentity } from '../src/core/storage/file/age-identity.js';
import { hasAge, ageRequired } from './helpers/age.js';

const dir = mkdtempSync(join(tmpdir(), 'memagent-age-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const now = new Date('2026-12-02T12:00:00Z');

async function newCipher() {
  const { text, recipient } = await generateIdentityFile(now);
  return { text, recipient, cipher: ageCipher(parseIdentity(text)) };
}

function failureOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CipherError);
    expect((err as CipherError).message.startsWith('/mem/alice.json: ')).toBe(true);
    return (err as CipherError).failure;
  }
  return 'no error';
}

describe('age cipher', () => {
  it('round-trips text of every size, including empty and exactly one 64 KiB chunk', async () => {
    const { cipher } = await newCipher();
    for (const size of [0, 1, 100, 65535, 65536, 65537, 200_000]) {
      const plain = Buffer.alloc(size, 'ä');
      const sealed = cipher.seal(plain);
      expect(isAgeFile(sealed)).toBe(true);
      expect(sealed.includes(Buffer.from('ää'))).toBe(false);
      expect(cipher.open('/mem/alice.json', sealed).equals(plain)).toBe(true);
    }
  });

  it('encrypts the same text differently each time (a fresh file key per file)', async () => {
    const { cipher } = await newCipher();
    expect(cipher.seal('same').equals(cipher.seal('same'))).toBe(false);
  });

  it('reads a plaintext file where ciphertext is expected as it is', async () => {
    const { cipher } = await newCipher();
    expect(cipher.open('/mem/alice.json', Buffer.from('{"userId":"alice"}\n')).toString()).toBe('{"userId":"alice"}\n');
  });

  it('refuses ciphertext where no identity is configured, naming the file and what to set', async () => {
    const { cipher } = await newCipher();
    const sealed = cipher.seal('{}');
    expect(failureOf(() => PLAINTEXT.open('/mem/alice.json', sealed))).toBe('no-identity');
    expect(() => PLAINTEXT.open('/mem/alice.json', sealed)).toThrow(/MEMAGENT_IDENTITY_FILE/);
  });

  it('tells a file encrypted to another identity apart from a damaged one', async () => {
    const a = await newCipher();
    const b = await newCipher();
    expect(failureOf(() => b.cipher.open('/mem/alice.json', a.cipher.seal('secret')))).toBe('not-ours');
  });

  it('fails authentication for a truncated file, a flipped bit anywhere, and an appended byte', async () => {
    const { cipher } = await newCipher();
    const sealed = cipher.seal(Buffer.alloc(70_000, 'x'));
    expect(failureOf(() => cipher.open('/mem/alice.json', sealed.subarray(0, sealed.length - 1)))).toBe('damaged');
    // Cut at the chunk boundary: the first chunk alone is not a final chunk.
    const headerEnd = sealed.indexOf('\n', sealed.indexOf('--- ')) + 1;
    expect(failureOf(() => cipher.open('/mem/alice.json', sealed.subarray(0, headerEnd + 16 + 65536 + 16)))).toBe('damaged');
    expect(failureOf(() => cipher.open('/mem/alice.json', Buffer.concat([sealed, Buffer.from('x')])))).toBe('damaged');
    for (const at of [headerEnd - 5, headerEnd + 3, headerEnd + 40, sealed.length - 3]) {
      const flipped = Buffer.from(sealed);
      flipped[at] ^= 0x01;
      expect(failureOf(() => cipher.open('/mem/alice.json', flipped))).toBe('damaged');
    }
    expect(failureOf(() => cipher.open('/mem/alice.json', Buffer.from('age-encryption.org/v1\n-> X25519\n')))).toBe('damaged');
  });

  it('opens a passphrase-protected identity once, and refuses a wrong passphrase', async () => {
    const { text, recipient } = await generateIdentityFile(now);
    const locked = await protectIdentity(text, 'correct horse', 10);
    expect(Buffer.from(locked).includes(Buffer.from('AGE-SECRET-KEY'))).toBe(false);
    expect((await unlockIdentity(locked, 'correct horse')).recipient).toBe(recipient);
    await expect(unlockIdentity(locked, 'wrong')).rejects.toThrow(/wrong passphrase/);
  });

  it('rejects an identity file with a mistyped key (bech32 checksum)', async () => {
    const { text } = await generateIdentityFile(now);
    const line = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    const typo = line.slice(0, 20) + (line[20] === 'Q' ? 'P' : 'Q') + line.slice(21);
    expect(() => parseIdentity(typo)).toThrow(/damaged age identity/);
    expect(() => parseIdentity('# nothing here\n')).toThrow(/no age X25519 identity/);
  });
});

describe.skipIf(!hasAge() && !ageRequired())('interop with the age tool', () => {
  it('files memagent encrypts decrypt with `age -d -i`, and files `age -r` encrypts are read', async () => {
    const { text, recipient, cipher } = await newCipher();
    const identityFile = join(dir, 'identity.txt');
    writeFileSync(identityFile, text, { mode: 0o600 });
    for (const size of [0, 5, 65536, 150_000]) {
      const plain = Buffer.alloc(size, `fact ${size} `);
      const ours = join(dir, `ours-${size}.json`);
      writeFileSync(ours, cipher.seal(plain));
      expect(execFileSync('age', ['-d', '-i', identityFile, ours]).equals(plain)).toBe(true);
      const theirs = join(dir, `theirs-${size}.age`);
      execFileSync('age', ['-r', recipient, '-o', theirs], { input: plain });
      expect(cipher.open(theirs, readFileSync(theirs)).equals(plain)).toBe(true);
      execFileSync('age', ['-a', '-r', recipient, '-o', `${theirs}.asc`], { input: plain });
      expect(cipher.open(theirs, readFileSync(`${theirs}.asc`)).equals(plain)).toBe(true);
    }
  });

  it('reads an identity made by age-keygen, and age -d refuses a file memagent encrypted to another key', async () => {
    const keyFile = join(dir, 'keygen.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const identity = parseIdentity(readFileSync(keyFile, 'utf8'));
    expect(identity.recipient).toBe(execFileSync('age-keygen', ['-y', keyFile]).toString().trim());
    const other = await newCipher();
    const file = join(dir, 'other.json');
    writeFileSync(file, other.cipher.seal('not yours'));
    expect(() => execFileSync('age', ['-d', '-i', keyFile, file], { stdio: 'pipe' })).toThrow();
  });
});
