/**
 * Runs the CLI bundle, one CommonJS script, through V8's code cache: the compiled bytecode of the
 * functions a previous run used is kept in the user's cache dir and handed back to V8, which then
 * skips parsing and compiling them (issue 15: chat start-up was ~4x the bare Node start, with
 * compiling and first runs of the bundle's functions a third of it). Node 20 has no compile cache
 * for ES modules (`module.enableCompileCache` is Node 22); `vm.Script`'s `cachedData` and
 * `createCachedData()` are the route `v8-compile-cache` took, written here for one script.
 *
 * Safety: V8 checks a cache's V8 version and flags, but of the source only its length, so a cache
 * must never meet another script. The cache file therefore starts with a header naming the
 * script's SHA-256 (computed at build time, in the script's first line), its size and mtime, and
 * a 64-bit hash of the cached bytes (`cacheDigest`); anything that does not match is ignored and rewritten. Every
 * failure (missing, stale, corrupt, unreadable or unwritable cache) falls back to compiling the
 * script as if there were no cache, silently: the cache only ever changes how fast the CLI starts.
 * The cache holds bytecode of the bundle's own source, never anything the user typed.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** The first line of a bundle built by scripts/build.mjs: `//! memagent-script sha256=<64 hex>`. */
const SCRIPT_HEADER = /^\/\/! memagent-script sha256=([0-9a-f]{64})\n/;

/** How many caches of other builds of memagent (for the same Node) a write leaves in place. */
const KEPT_OTHER_BUILDS = 3;

/** Format version of the cache file's header line; bump to orphan every older cache (2: `cacheDigest` replaced SHA-256). */
const CACHE_FORMAT = 2;

/** How the script was compiled: with no cache asked for, from a valid cache, without one, or with one V8 or the header refused. */
export type CacheOutcome = 'off' | 'hit' | 'miss' | 'rejected';

/** What `runScript` needs: the bundle and where its cache lives (null = no cache). */
export interface ScriptRunOptions {
  /** Absolute path of the bundle (dist/memagent.cjs). */
  file: string;
  /** Directory for cache files (created 0700 on first write), or null to run without a cache. */
  cacheDir: string | null;
  /** When to write a missing or refused cache, in ms after start; it is also written at exit if the process ends first. */
  saveAfterMs?: number;
  /** Which of the script's caches to use (`cacheVariant`): each holds what its kind of command compiles. Default 'cli'. */
  variant?: CacheVariant;
}

/** The REPL (`chat`, memagent's default command: Ink, React, the SDK) or any one-shot command (`show`, `export`…). */
export type CacheVariant = 'chat' | 'cli';

/**
 * Which cache a command line uses: 'chat' when the first argument is `chat` or an option (chat is
 * the default command), 'cli' for any other command. A cache holds the code its first run
 * compiled and a later run loads all of it, so one cache for both would make `show` load the
 * REPL's code (~1.9 MB instead of ~0.8 MB: 6% slower) or the REPL compile its own again (~11%
 * slower to the prompt), whichever ran first. A wrong guess only costs speed. Pure.
 */
export function cacheVariant(args: readonly string[]): CacheVariant {
  const first = args[0];
  return first === undefined || first === 'chat' || first.startsWith('-') ? 'chat' : 'cli';
}

/** The header of a cache file, one JSON line before the cached bytes. */
interface CacheHeader {
  format: number;
  script: string;
  size: number;
  mtimeMs: number;
  node: string;
  digest: string;
}

/** Unsigned LEB128, as WebAssembly writes sizes. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 64-bit value, as WebAssembly writes an `i64.const`. */
function sleb64(value: bigint): number[] {
  let v = BigInt.asIntN(64, value);
  const out: number[] = [];
  for (;;) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (low & 0x40) === 0) || (v === -1n && (low & 0x40) !== 0)) return [...out, low];
    out.push(low | 0x80);
  }
}

/** The constants of `cacheDigest`: xxHash64's primes P1/P2, MurmurHash3's fmix64 multipliers, a seed. */
export const DIGEST = { seed: 0x27d4eb2f165667c5n, p1: 0x9e3779b185ebca87n, p2: 0xc2b2ae3d27d4eb4fn, c1: 0xff51afd7ed558ccdn, c2: 0xc4ceb9fe1a85ec53n } as const;

/**
 * A WebAssembly module importing memory `e.m` and exporting `h(at: i32, len: i32) -> i64`,
 * `cacheDigest`'s hash of the `len` bytes at `at` (the 8 bytes after them must be zero):
 * `h = seed; for each little-endian 8-byte word w: h = rotl(h ^ w * p2, 31) * p1; h ^= len; fmix64(h)`.
 */
function digestModuleBytes(): Uint8Array<ArrayBuffer> {
  const [get, set, i64] = [0x20, 0x21, 0x42];
  const shiftXor = [get, 3, get, 3, i64, 33, 0x88 /* i64.shr_u */, 0x85 /* i64.xor */];
  const body = [
    ...[2, 1, 0x7f, 1, 0x7e], // locals: 2 = end (i32), 3 = h (i64); params: 0 = at, 1 = len
    ...[get, 0, get, 1, 0x6a /* i32.add */, set, 2, i64, ...sleb64(DIGEST.seed), set, 3],
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...[get, 0, get, 2, 0x4f /* i32.ge_u */, 0x0d, 1], // at >= end: leave the block
    ...[get, 3, get, 0, 0x29, 0, 0 /* i64.load, unaligned */, i64, ...sleb64(DIGEST.p2), 0x7e /* i64.mul */, 0x85],
    ...[i64, 31, 0x89 /* i64.rotl */, i64, ...sleb64(DIGEST.p1), 0x7e, set, 3],
    ...[get, 0, 0x41, 8, 0x6a, set, 0, 0x0c, 0 /* br loop */, 0x0b, 0x0b],
    ...[get, 3, get, 1, 0xad /* i64.extend_i32_u */, 0x85, set, 3],
    ...shiftXor, i64, ...sleb64(DIGEST.c1), 0x7e, set, 3,
    ...shiftXor, i64, ...sleb64(DIGEST.c2), 0x7e, set, 3,
    ...shiftXor,
    0x0b,
  ];
  const code = [1, ...uleb(body.length), ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // magic, version 1
    ...[1, 7, 1, 0x60, 2, 0x7f, 0x7f, 1, 0x7e], // type section: (i32, i32) -> i64
    ...[2, 8, 1, 1, 0x65, 1, 0x6d, 2, 0, 1], // import section: memory "e"."m", at least 1 page
    ...[3, 2, 1, 0], // function section: one function of type 0
    ...[7, 5, 1, 1, 0x68, 0, 0], // export section: "h" = function 0
    ...[10, ...uleb(code.length), ...code],
  ]);
}

let digestModule: WebAssembly.Module | undefined;

/** WebAssembly memory with room for `size` bytes and 8 zero bytes after them (fresh memory is zero). */
function digestMemory(size: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil((size + 8) / 65536) });
}

/** `cacheDigest` of the `len` bytes at `at` in `memory`, whose 8 bytes after them are zero. */
function digestIn(memory: WebAssembly.Memory, at: number, len: number): string {
  digestModule ??= new WebAssembly.Module(digestModuleBytes());
  const { h } = new WebAssembly.Instance(digestModule, { e: { m: memory } }).exports as unknown as { h: (at: number, len: number) => bigint };
  return BigInt.asUintN(64, h(at, len)).toString(16).padStart(16, '0');
}

/**
 * A 64-bit hash of `data` as 16 hex digits: xxHash64's round (`h = rotl(h ^ w * p2, 31) * p1`)
 * over its little-endian 8-byte words (the last one zero-padded), then the length, finished with
 * MurmurHash3's fmix64 (constants in `DIGEST`). Not cryptographic: it tells a corrupt or truncated
 * cache file from a good one, which is all the digest is for, without loading `node:crypto`
 * (OpenSSL, ~3-4 ms of every start). The loop is a 150-byte WebAssembly function (compiled once
 * a process, <1 ms; the same loop in JS costs ~2.5 ms before V8 optimises it), checked against a
 * BigInt reference in test/code-cache.test.ts. Pure; throws only for data too big for
 * WebAssembly memory (~4 GB).
 */
export function cacheDigest(data: Uint8Array): string {
  const memory = digestMemory(data.length);
  new Uint8Array(memory.buffer).set(data);
  return digestIn(memory, 0, data.length);
}

/**
 * The cache file's name for a script, this Node and a variant:
 * `<script sha, 16 hex>[.<variant>]-<node version>-<arch>.v8cache` ('cli' has no infix).
 */
export function cacheFileName(scriptSha256: string, nodeVersion: string, arch: string, variant: CacheVariant = 'cli'): string {
  return `${scriptSha256.slice(0, 16)}${variant === 'cli' ? '' : `.${variant}`}-${nodeVersion}-${arch}.v8cache`;
}

/**
 * The cached bytes in `file` when its header matches `expected` exactly and the bytes hash to the
 * header's digest; null otherwise (also when the file is missing or unreadable). Never throws.
 */
export function readCache(file: string, expected: Omit<CacheHeader, 'digest'>): Buffer | null {
  // Read straight into WebAssembly memory, where the digest runs, and handed to V8 from there:
  // no copy of the cached bytes. The memory is this call's alone.
  let raw: Buffer;
  let memory: WebAssembly.Memory;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      memory = digestMemory(size);
      raw = Buffer.from(memory.buffer, 0, size);
      let at = 0;
      while (at < size) {
        const n = readSync(fd, raw, at, size - at, at);
        if (n === 0) return null;
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const newline = raw.indexOf(10);
  if (newline < 0 || newline > 1024) return null;
  let header: Partial<CacheHeader>;
  try {
    header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as Partial<CacheHeader>;
  } catch {
    return null;
  }
  const same =
    header.format === expected.format &&
    header.script === expected.script &&
    header.size === expected.size &&
    header.mtimeMs === expected.mtimeMs &&
    header.node === expected.node &&
    typeof header.digest === 'string';
  if (!same) return null;
  try {
    return digestIn(memory, newline + 1, raw.length - newline - 1) === header.digest ? raw.subarray(newline + 1) : null;
  } catch {
    return null;
  }
}

/**
 * Writes `data` as the cache for `header`'s script: a temp file in `dir` renamed over the cache
 * file (atomic: a reader sees the old cache, the new one, or none), dir 0700 and file 0600; then
 * removes the caches of all but the newest 3 other builds of memagent left in `dir` for this Node
 * (a build's caches are the files named after its script, one per variant). Best effort: returns false on any error.
 */
export function writeCache(dir: string, name: string, header: Omit<CacheHeader, 'digest'>, data: Buffer): boolean {
  const target = path.join(dir, name);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const line = JSON.stringify({ ...header, digest: cacheDigest(data) });
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${line}\n`), data]), { mode: 0o600 });
    renameSync(tmp, target);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // No dir to leave a temp file in.
    }
    return false;
  }
  try {
    // Older builds' caches for this Node (an upgraded memagent) beyond the newest few: two
    // installs used in turn (a global one and npx) keep theirs instead of replacing each other's
    // on every run. Other Nodes' caches stay (nvm).
    const sameNode = `-${header.node}-${process.arch}.v8cache`;
    const build = (file: string): string => file.slice(0, 16);
    const newest = new Map<string, number>();
    const others = readdirSync(dir).filter((other) => build(other) !== build(name) && other.endsWith(sameNode));
    for (const other of others) newest.set(build(other), Math.max(newest.get(build(other)) ?? 0, statSync(path.join(dir, other)).mtimeMs));
    const kept = new Set([...newest].sort((a, b) => b[1] - a[1]).slice(0, KEPT_OTHER_BUILDS).map(([b]) => b));
    for (const other of others) if (!kept.has(build(other))) rmSync(path.join(dir, other), { force: true });
  } catch {
    // Old caches are only clutter.
  }
  return true;
}

/** What the bundle's text is wrapped in to run as a CommonJS module (ASCII). */
const WRAP_BEFORE = '(function (exports, require, module, __filename, __dirname, __memagentUrl) {';
const WRAP_AFTER = '\n})';

/**
 * The bundle's text already wrapped in `WRAP_BEFORE`/`WRAP_AFTER`, and its identity; reads it once
 * into a buffer that has room for the wrapper, so the 2.4 MB text becomes one flat one-byte string
 * in one decode (Latin-1: the bundle is ASCII, checked at build), with no concatenation for V8 to
 * flatten again. `size` is the file's size.
 */
function readScript(file: string): { wrapped: string; sha256: string; size: number; mtimeMs: number } {
  const fd = openSync(file, 'r');
  try {
    const info = fstatSync(fd);
    const bytes = Buffer.allocUnsafe(WRAP_BEFORE.length + info.size + WRAP_AFTER.length);
    const start = bytes.write(WRAP_BEFORE, 0, 'latin1');
    let at = 0;
    while (at < info.size) {
      const n = readSync(fd, bytes, start + at, info.size - at, at);
      if (n === 0) break;
      at += n;
    }
    const end = start + at + bytes.write(WRAP_AFTER, start + at, 'latin1');
    const wrapped = bytes.toString('latin1', 0, end);
    const sha256 = SCRIPT_HEADER.exec(wrapped.slice(start, start + 128))?.[1] ?? '';
    return { wrapped, sha256, size: at, mtimeMs: Math.floor(info.mtimeMs) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Compiles and runs `options.file` as a CommonJS module (`exports`, `require`, `module`,
 * `__filename`, `__dirname`, plus `__memagentUrl` for the bundle's `import.meta.url`), with the
 * code cache from `options.cacheDir` when one matches. A missing or refused cache is written
 * `saveAfterMs` after start (by then the REPL has drawn its prompt, so the cache holds what
 * start-up compiles) or at exit, whichever comes first, once per process. A bundle without the
 * build's header line runs without a cache.
 * @returns how the cache was used.
 * @throws whatever the bundle's own top level throws (its commands handle their errors themselves).
 */
export function runScript(options: ScriptRunOptions): CacheOutcome {
  const { wrapped, sha256, size, mtimeMs } = readScript(options.file);
  const header = { format: CACHE_FORMAT, script: sha256, size, mtimeMs, node: process.version };
  const dir = sha256 === '' ? null : options.cacheDir;
  const name = cacheFileName(sha256, process.version, process.arch, options.variant);
  const cachedData = dir === null ? undefined : (readCache(path.join(dir, name), header) ?? undefined);
  const script = new vm.Script(wrapped, { filename: options.file, cachedData });
  const outcome: CacheOutcome = dir === null ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  if (dir !== null && outcome !== 'hit') {
    let saved = false;
    const save = (): void => {
      if (saved) return;
      saved = true;
      try {
        writeCache(dir, name, header, script.createCachedData());
      } catch {
        // Only start-up speed depends on it.
      }
    };
    setTimeout(save, options.saveAfterMs ?? 1500).unref();
    process.once('exit', save);
  }
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(module.exports, createRequire(options.file), module, options.file, path.dirname(options.file), pathToFileURL(options.file).href);
  return outcome;
}
