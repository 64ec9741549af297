/**
 * Encryption at rest in the age format (age-encryption.org/v1, X25519 recipients): the one module
 * that knows what an encrypted file looks like, and how to write and read one.
 *
 * Files are whole age files, binary (`age-encryption.org/v1` header), so `age -d -i identity.txt
 * <file>` decrypts any of them. Encryption and decryption of X25519 files are done here
 * synchronously with node:crypto (X25519, HKDF-SHA256, HMAC-SHA256, ChaCha20-Poly1305: all
 * native): a session journal's append is synchronous by contract (a turn is on disk before the
 * chat goes on) and `age-encryption`'s API is asynchronous (WebCrypto). `age-encryption` is used
 * (age-identity.ts, loaded only when needed) for what is asynchronous anyway: generating an
 * identity, and opening a passphrase-protected (scrypt) identity file once per process. Interop
 * with the real `age` binary is tested both ways.
 */
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { MemoryFileError } from '../../errors.js';
import { FIX_HINT } from './codec.js';

/** The first line of every binary age file. */
const MAGIC = 'age-encryption.org/v1\n';
const MAGIC_BYTES = Buffer.from(MAGIC);
/** The first line of an ASCII-armored age file (`age -a`), after optional whitespace. */
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
/** age's STREAM chunk: 64 KiB of plaintext, each sealed with its own 16-byte tag. */
const CHUNK = 64 * 1024;
const TAG = 16;
/** A header longer than this is not one we could have written (one stanza is ~150 bytes). */
const MAX_HEADER_BYTES = 64 * 1024;
/** DER prefixes that turn 32 raw X25519 bytes into key objects node:crypto takes (RFC 8410). */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_INFO = 'age-encryption.org/v1/X25519';
const SECRET_KEY_HRP = 'age-secret-key-';

/** What is wrong with a file that could not be decrypted. */
export type CipherFailure = 'no-identity' | 'not-ours' | 'damaged';

/**
 * A file memagent could not decrypt, naming it. `failure` says why: no identity is configured
 * (`no-identity`), the file is encrypted to another identity (`not-ours`; both: configure the
 * right one, nothing is changed), or it is damaged or tampered with (`damaged`: its message ends
 * with the corrupt-file hint, so it is handled like any corrupt memory file: reported, never
 * overwritten, `restore` offered).
 */
export class CipherError extends MemoryFileError {
  readonly failure: CipherFailure;
  constructor(path: string, failure: CipherFailure, problem: string) {
    super(path, problem);
    this.failure = failure;
  }
}

/**
 * How the file store turns the bytes it writes into the bytes on disk and back. Both methods are
 * synchronous and pure apart from randomness. `seal` of the plaintext cipher returns its input;
 * `open` reads plaintext and age files alike (a mixed memory dir is the norm while `encrypt` or
 * `decrypt` runs), so callers never ask which one a file is.
 */
export interface FileCipher {
  /** True when `seal` encrypts (an identity is configured). */
  readonly encrypts: boolean;
  /** The age recipient (`age1…`) files are encrypted to, or null. Public: fine to print. */
  readonly recipient: string | null;
  /** The bytes to write for `plain`: an age file to `recipient`, or `plain` itself. */
  seal(plain: string | Uint8Array): Buffer;
  /**
   * The plaintext of `bytes` read from `file`: decrypted when it is an age file, else as is.
   * @throws CipherError naming `file` when it is an age file this cipher cannot decrypt.
   */
  open(file: string, bytes: Buffer): Buffer;
}

/** Whether `bytes` start like an age file (binary or armored). Pure. */
export function isAgeFile(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 128));
  if (head.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) return true;
  return head.toString('latin1').trimStart().startsWith(ARMOR_BEGIN);
}

/** What to do when a file is encrypted and memagent has no identity or the wrong one. */
const IDENTITY_HINT = 'set MEMAGENT_IDENTITY_FILE to the age identity it was encrypted to (or put that identity at identity.txt in memagent\'s config dir); nothing was changed';

/** Reads plaintext; an age file is refused with the one line saying what to do. */
export const PLAINTEXT: FileCipher = {
  encrypts: false,
  recipient: null,
  seal: (plain) => (typeof plain === 'string' ? Buffer.from(plain) : Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)),
  open(file, bytes) {
    if (isAgeFile(bytes)) throw new CipherError(file, 'no-identity', `is encrypted (age) and no identity is configured: ${IDENTITY_HINT}`);
    return bytes;
  },
};

/** An X25519 age identity, parsed. The secret never leaves this object except into key derivation. */
export interface AgeIdentity {
  /** `age1…`: the public recipient. */
  readonly recipient: string;
  /** @internal */
  readonly privateKey: KeyObject;
  /** @internal the 32 raw public bytes. */
  readonly publicBytes: Buffer;
}

/**
 * The cipher that encrypts every write to `identity`'s recipient and decrypts age files
 * (binary or armored) encrypted to it; plaintext reads pass through.
 */
export function ageCipher(identity: AgeIdentity): FileCipher {
  const recipientKey = createPublicKey({ key: Buffer.concat([SPKI_X25519, identity.publicBytes]), format: 'der', type: 'spki' });
  return {
    encrypts: true,
    recipient: identity.recipient,
    seal: (plain) => encryptX25519(typeof plain === 'string' ? Buffer.from(plain) : plain, identity.publicBytes, recipientKey),
    open(file, bytes) {
      if (!isAgeFile(bytes)) return bytes;
      return decryptX25519(file, bytes, identity);
    },
  };
}

/**
 * Parses the text of an identity file as `age-keygen` writes it: `#` comments and one or more
 * `AGE-SECRET-KEY-1…` lines; the first is used.
 * @throws Error (message without any key material) when there is no valid X25519 identity.
 */
export function parseIdentity(text: string): AgeIdentity {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined || !line.startsWith('AGE-SECRET-KEY-1')) throw new Error('holds no age X25519 identity (an AGE-SECRET-KEY-1… line)');
  const scalar = bech32Decode(line, SECRET_KEY_HRP);
  if (scalar === null || scalar.length !== 32) throw new Error('holds a damaged age identity (its AGE-SECRET-KEY-1… line does not decode)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, scalar]), format: 'der', type: 'pkcs8' });
  const publicBytes = Buffer.from(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32));
  return { recipient: bech32Encode('age', publicBytes), privateKey, publicBytes };
}

/**
 * The binary age file inside an ASCII-armored one (`age -a`): PEM-like, 64-column base64 lines
 * between the BEGIN and END lines, LF or CRLF, whitespace around it ignored.
 * @throws Error when it is malformed.
 */
function dearmor(text: string): Buffer {
  const lines = text.trim().split(/\r?\n/);
  if (lines[0] !== ARMOR_BEGIN || lines[lines.length - 1] !== '-----END AGE ENCRYPTED FILE-----') throw new Error('bad armor');
  const body = lines.slice(1, -1);
  if (body.length === 0 || body.some((l, i) => l.length > 64 || (i < body.length - 1 && l.length !== 64) || !/^[A-Za-z0-9+/=]*$/.test(l))) throw new Error('bad armor');
  const joined = body.join('');
  const bytes = Buffer.from(joined, 'base64');
  if (bytes.toString('base64') !== joined) throw new Error('bad armor');
  return bytes;
}

/** `bytes` as a binary age file: dearmored when armored. @throws Error for malformed armor. */
export function dearmorIfNeeded(bytes: Uint8Array): Uint8Array {
  return isArmored(bytes) ? dearmor(Buffer.from(bytes).toString('latin1')) : bytes;
}

/** Whether `bytes` start like an ASCII-armored age file. */
export function isArmored(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 128)).toString('latin1').trimStart().startsWith(ARMOR_BEGIN);
}

// ---- the age v1 format, X25519 recipients (https://age-encryption.org/v1) ----

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function chachaSeal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** Null when the tag does not verify. */
function chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG) return null;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return null;
  }
}

/** age's base64: standard alphabet, no padding, canonical. */
function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

function unb64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return b64(bytes) === text ? bytes : null;
}

/** The STREAM nonce of chunk `counter`: 11-byte big-endian counter, then 1 on the last chunk. */
function streamNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function x25519(privateKey: KeyObject, publicBytes: Uint8Array): Buffer | null {
  try {
    const shared = diffieHellman({ privateKey, publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, publicBytes]), format: 'der', type: 'spki' }) });
    // age rejects the all-zero shared secret (a low-order share).
    return shared.every((b) => b === 0) ? null : shared;
  } catch {
    return null;
  }
}

/** An age file of `plain` for one X25519 recipient (`recipientBytes`, also as a key object). */
function encryptX25519(plain: Uint8Array, recipientBytes: Buffer, recipientKey: KeyObject): Buffer {
  const fileKey = randomBytes(16);
  const eph = generateKeyPairSync('x25519');
  const share = eph.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipientKey });
  const wrapKey = hkdf(shared, Buffer.concat([share, recipientBytes]), X25519_INFO);
  const body = chachaSeal(wrapKey, Buffer.alloc(12), fileKey);
  // The body is 32 bytes: 43 base64 characters, one line shorter than the 64-column wrap.
  const header = `${MAGIC}-> X25519 ${b64(share)}\n${b64(body)}\n---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(header).digest();
  const nonce = randomBytes(16);
  const payloadKey = hkdf(fileKey, nonce, 'payload');
  const parts: Buffer[] = [Buffer.from(`${header} ${b64(mac)}\n`), nonce];
  const chunks = Math.max(1, Math.ceil(plain.length / CHUNK));
  for (let i = 0; i < chunks; i++) {
    parts.push(chachaSeal(payloadKey, streamNonce(i, i === chunks - 1), plain.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  return Buffer.concat(parts);
}

interface Stanza {
  args: string[];
  body: Buffer;
}

/** Parses a binary age header. Returns null when it is malformed. */
function parseHeader(bytes: Buffer): { stanzas: Stanza[]; macInput: Buffer; mac: Buffer; payloadStart: number } | null {
  if (!bytes.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) return null;
  let pos = MAGIC_BYTES.length;
  const stanzas: Stanza[] = [];
  const nextLine = (): string | null => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > MAX_HEADER_BYTES) return null;
    const line = bytes.subarray(pos, end).toString('latin1');
    pos = end + 1;
    return line;
  };
  for (;;) {
    if (pos > MAX_HEADER_BYTES) return null;
    const lineStart = pos;
    const line = nextLine();
    if (line === null) return null;
    if (line.startsWith('--- ')) {
      const mac = unb64(line.slice(4));
      if (mac === null || mac.length !== 32) return null;
      return { stanzas, macInput: bytes.subarray(0, lineStart + 3), mac, payloadStart: pos };
    }
    if (!line.startsWith('-> ')) return null;
    const args = line.slice(3).split(' ');
    if (args.some((a) => a === '' || !/^[\x21-\x7e]+$/.test(a))) return null;
    const bodyParts: Buffer[] = [];
    for (;;) {
      const bodyLine = nextLine();
      if (bodyLine === null || bodyLine.length > 64) return null;
      const part = unb64(bodyLine);
      if (part === null) return null;
      bodyParts.push(part);
      if (bodyLine.length < 64) break;
    }
    stanzas.push({ args, body: Buffer.concat(bodyParts) });
  }
}

/**
 * The plaintext of the age file `bytes` (binary or armored) read from `file`, for `identity`.
 * @throws CipherError: `not-ours` when no X25519 stanza opens with this identity; `damaged` for
 *   a malformed header, a header MAC or payload chunk that fails authentication, or a truncated
 *   or extended payload.
 */
function decryptX25519(file: string, input: Buffer, identity: AgeIdentity): Buffer {
  const damaged = (why: string): CipherError => new CipherError(file, 'damaged', `cannot be decrypted: ${why} (a damaged or tampered age file); ${FIX_HINT}`);
  let bytes = input;
  if (isArmored(input)) {
    try {
      bytes = dearmor(input.toString('latin1'));
    } catch {
      throw damaged('its ASCII armor is malformed');
    }
  }
  const header = parseHeader(bytes);
  if (header === null) throw damaged('its header is malformed');
  let fileKey: Buffer | null = null;
  for (const s of header.stanzas) {
    if (s.args[0] !== 'X25519') continue;
    const share = s.args.length === 2 ? unb64(s.args[1]) : null;
    if (share === null || share.length !== 32 || s.body.length !== 32) throw damaged('its X25519 stanza is malformed');
    const shared = x25519(identity.privateKey, share);
    if (shared === null) throw damaged('its X25519 stanza has an invalid share');
    const wrapKey = hkdf(shared, Buffer.concat([share, identity.publicBytes]), X25519_INFO);
    fileKey = chachaOpen(wrapKey, Buffer.alloc(12), s.body);
    if (fileKey !== null) break;
  }
  if (fileKey === null) {
    throw new CipherError(file, 'not-ours', `is encrypted to another age identity than the configured one (${identity.recipient}): ${IDENTITY_HINT}`);
  }
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(header.macInput).digest();
  if (!timingSafeEqual(mac, header.mac)) throw damaged('its header fails authentication');
  const payload = bytes.subarray(header.payloadStart);
  if (payload.length < 16) throw damaged('it is truncated');
  const payloadKey = hkdf(fileKey, payload.subarray(0, 16), 'payload');
  const out: Buffer[] = [];
  let pos = 16;
  for (let i = 0; ; i++) {
    const rest = payload.length - pos;
    const last = rest <= CHUNK + TAG;
    const chunk = payload.subarray(pos, pos + Math.min(rest, CHUNK + TAG));
    const plain = chachaOpen(payloadKey, streamNonce(i, last), chunk);
    if (plain === null) throw damaged(last ? 'its payload fails authentication or is truncated' : 'its payload fails authentication');
    if (last && plain.length === 0 && i > 0) throw damaged('its payload ends in an empty chunk');
    out.push(plain);
    pos += chunk.length;
    if (last) break;
  }
  return Buffer.concat(out);
}

// ---- bech32 (BIP 173), as age encodes keys; no length limit ----

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i];
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const v of data) {
    acc = ((acc << from) | v) & ((1 << (from + to - 1)) - 1);
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & max);
  else if (!pad && (bits >= from || ((acc << (to - bits)) & max) !== 0)) return null;
  return out;
}

function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const words = convertBits(bytes, 8, 5, true) ?? [];
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const check = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...check].map((w) => BECH32[w]).join('')}`;
}

/** The bytes of a bech32 string with human-readable part `hrp`, or null (bad checksum, mixed case…). */
function bech32Decode(text: string, hrp: string): Buffer | null {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return null;
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || lower.slice(0, sep) !== hrp || lower.length - sep - 1 < 6) return null;
  const data = [...lower.slice(sep + 1)].map((c) => BECH32.indexOf(c));
  if (data.some((d) => d < 0) || polymod([...hrpExpand(hrp), ...data]) !== 1) return null;
  const bytes = convertBits(data.slice(0, -6), 5, 8, false);
  return bytes === null ? null : Buffer.from(bytes);
}
