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
 * the SHA-256 of the cached bytes (`cacheDigest`); anything that does not match is ignored and rewritten. Every
 * failure (missing, stale, corrupt, unreadable or unwritable cache) falls back to compiling the
 * script as if there were no cache, silently: the cache only ever changes how fast the CLI starts.
 * The cache holds bytecode of the bundle's own source, never anything the user typed.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** The first line of a bundle built by scripts/build.mjs: `//! memagent-script sha256=<64 hex>`. */
const SCRIPT_HEADER = /^\/\/! memagent-script sha256=([0-9a-f]{64})\n/;

/** How many caches of other builds of memagent (for the same Node) a write leaves in place. */
const KEPT_OTHER_BUILDS = 3;

/** Format version of the cache file's header line; bump to orphan every older cache. */
const CACHE_FORMAT = 3;

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

/**
 * The SHA-256 of `data` as 64 hex digits: what tells a corrupt or truncated cache file from a
 * good one (node:crypto; ~1-2 ms for a 2 MB cache). Pure.
 */
export function cacheDigest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
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
  let raw: Buffer;
  try {
    raw = readFileSync(file);
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
  const data = raw.subarray(newline + 1);
  return cacheDigest(data) === header.digest ? data : null;
}

/**
 * Creates `dir` and its missing parents (0700), one plain mkdir each, so a file system that answers
 * ENOENT for an existing parent (/proc) makes this throw instead of looping: Node 20's recursive
 * mkdir retries forever there. @throws the first fs error.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      if (statSync(at).isDirectory()) break;
      throw Object.assign(new Error(`${at} is not a directory`), { code: 'ENOTDIR' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw err;
      missing.push(at);
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
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
    makeDirs(dir);
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
