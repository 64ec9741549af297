// V8's code cache for the CLI script (issue 15): it may only ever change how fast memagent starts.
// In process: the cache file's header and digest decide whether cached bytes are used at all, and
// `runScript` runs a small script the same with a cache, without one, and with a broken one.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDigest, cacheFileName, cacheVariant, readCache, runScript, writeCache } from '../src/boot/code-cache.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-code-cache-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const header = { format: 1, script: 'a'.repeat(64), size: 100, mtimeMs: 5, node: process.version };

describe('the digest that tells a good cache from a corrupt one', () => {
  it('differs for bytes that differ in one bit or only in trailing zeros', () => {
    const data = Buffer.from('some cached bytecode of a script');
    const flipped = Buffer.from(data);
    flipped[9]! ^= 0x10;
    expect(cacheDigest(flipped)).not.toBe(cacheDigest(data));
    expect(cacheDigest(Buffer.concat([data, Buffer.alloc(1)]))).not.toBe(cacheDigest(data));
  });

  it('is what the cache file header holds for its bytes (their SHA-256), read back from a file of any length', async () => {
    const dir = await mkdtemp(join(tmp, 'digest-'));
    for (const length of [0, 1, 7, 8, 9, 65_529, 65_536, 70_001]) {
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) data[i] = (i * 31 + length) & 0xff;
      writeCache(dir, 'x.v8cache', header, data);
      const line = (await readFile(join(dir, 'x.v8cache'), 'utf8')).split('\n')[0]!;
      expect(JSON.parse(line).digest).toBe(createHash('sha256').update(data).digest('hex'));
      expect(readCache(join(dir, 'x.v8cache'), header)).toEqual(data);
    }
  });
});

describe('which cache a command uses', () => {
  it('is the REPL\'s for chat, the default command, and one-shot commands\' for the others', () => {
    expect(cacheVariant([])).toBe('chat');
    expect(cacheVariant(['chat', '--user', 'ana'])).toBe('chat');
    expect(cacheVariant(['--user', 'ana'])).toBe('chat');
    expect(cacheVariant(['show', '--user', 'ana'])).toBe('cli');
    expect(cacheVariant(['export', 'chat'])).toBe('cli');
    const sha = 'ab'.repeat(32);
    expect(cacheFileName(sha, 'v20.20.2', 'x64', 'chat')).not.toBe(cacheFileName(sha, 'v20.20.2', 'x64', 'cli'));
    expect(cacheFileName(sha, 'v20.20.2', 'x64')).toBe(cacheFileName(sha, 'v20.20.2', 'x64', 'cli'));
  });
});

describe('the cache file', () => {
  it('gives back exactly the bytes written for the same script, Node and build', async () => {
    const dir = await mkdtemp(join(tmp, 'rw-'));
    const data = Buffer.from('cached bytecode');
    expect(writeCache(dir, 'x.v8cache', header, data)).toBe(true);
    expect(readCache(join(dir, 'x.v8cache'), header)).toEqual(data);
    expect((await stat(join(dir, 'x.v8cache'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('is ignored for another script, size, mtime or Node, and when missing', async () => {
    const dir = await mkdtemp(join(tmp, 'other-'));
    writeCache(dir, 'x.v8cache', header, Buffer.from('bytes'));
    const file = join(dir, 'x.v8cache');
    expect(readCache(file, { ...header, script: 'b'.repeat(64) })).toBeNull();
    expect(readCache(file, { ...header, size: 101 })).toBeNull();
    expect(readCache(file, { ...header, mtimeMs: 6 })).toBeNull();
    expect(readCache(file, { ...header, node: 'v99.0.0' })).toBeNull();
    expect(readCache(join(dir, 'missing.v8cache'), header)).toBeNull();
  });

  it('is ignored when its bytes were changed, truncated or its header is garbage', async () => {
    const dir = await mkdtemp(join(tmp, 'bad-'));
    writeCache(dir, 'x.v8cache', header, Buffer.from('0123456789abcdef'));
    const file = join(dir, 'x.v8cache');
    const good = await readFile(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 1;
    await writeFile(file, flipped);
    expect(readCache(file, header)).toBeNull();
    await writeFile(file, good.subarray(0, good.length - 4));
    expect(readCache(file, header)).toBeNull();
    await writeFile(file, Buffer.from('not json\nbytes'));
    expect(readCache(file, header)).toBeNull();
  });

  it('keeps the newest three caches other builds left for this Node, drops older ones, and keeps other Nodes\' caches', async () => {
    const dir = await mkdtemp(join(tmp, 'clean-'));
    const builds = ['1', '2', '3', '4', '5'].map((d) => cacheFileName(d.repeat(64), process.version, process.arch));
    for (const [i, name] of builds.entries()) {
      await writeFile(join(dir, name), 'x');
      await utimes(join(dir, name), 1_000_000 + i, 1_000_000 + i);
    }
    const otherNode = cacheFileName('1'.repeat(64), 'v18.0.0', process.arch);
    await writeFile(join(dir, otherNode), 'x');
    await utimes(join(dir, otherNode), 1, 1);
    const name = cacheFileName('9'.repeat(64), process.version, process.arch);
    writeCache(dir, name, header, Buffer.from('new'));
    expect((await readdir(dir)).sort()).toEqual([name, otherNode, ...builds.slice(2)].sort());
  });

  it('keeps the other variant of the same build, and removes an old build\'s variants together', async () => {
    const dir = await mkdtemp(join(tmp, 'variants-'));
    const old = ['1', '2', '3', '4'].flatMap((d) => [cacheFileName(d.repeat(64), process.version, process.arch), cacheFileName(d.repeat(64), process.version, process.arch, 'chat')]);
    for (const [i, name] of old.entries()) {
      await writeFile(join(dir, name), 'x');
      await utimes(join(dir, name), 1_000_000 + i, 1_000_000 + i);
    }
    const chat = cacheFileName('9'.repeat(64), process.version, process.arch, 'chat');
    await writeFile(join(dir, chat), 'x');
    await utimes(join(dir, chat), 1, 1);
    const cli = cacheFileName('9'.repeat(64), process.version, process.arch);
    writeCache(dir, cli, header, Buffer.from('new'));
    expect((await readdir(dir)).sort()).toEqual([cli, chat, ...old.slice(2)].sort());
  });

  it.skipIf(!existsSync('/proc/1'))('gives up at once under a file system that says ENOENT for a dir that exists (/proc: Node 20\'s recursive mkdir loops there)', () => {
    expect(writeCache('/proc/1/memagent-test/code-cache', 'x.v8cache', header, Buffer.from('bytes'))).toBe(false);
  });

  it('fails quietly where it cannot be written (a file where the dir should be)', async () => {
    const blocker = join(tmp, 'blocker');
    await writeFile(blocker, 'x');
    expect(writeCache(join(blocker, 'cache'), 'x.v8cache', header, Buffer.from('bytes'))).toBe(false);
  });
});

/** A script in the build's format (header line with its hash) that records a result on globalThis. */
async function makeScript(name: string, body: string): Promise<string> {
  const file = join(tmp, name);
  const sha = (name.replace(/[^0-9a-f]/g, '') + '0'.repeat(64)).slice(0, 64);
  await writeFile(file, `//! memagent-script sha256=${sha}\n${body}\n`);
  return file;
}

const results = globalThis as unknown as { codeCacheResult?: unknown };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runScript', () => {
  it('runs the script the same on a first run (writing the cache) and from the cache (a hit)', async () => {
    const cacheDir = join(tmp, 'run-cache');
    const file = await makeScript('a1.cjs', 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nglobalThis.codeCacheResult = [fib(20), typeof require, __filename.endsWith("a1.cjs"), __memagentUrl.startsWith("file:")];');
    results.codeCacheResult = undefined;
    expect(runScript({ file, cacheDir, saveAfterMs: 0 })).toBe('miss');
    const first = results.codeCacheResult;
    expect(first).toEqual([6765, 'function', true, true]);
    await tick(50);
    expect((await readdir(cacheDir)).filter((n) => n.endsWith('.v8cache'))).toHaveLength(1);
    results.codeCacheResult = undefined;
    expect(runScript({ file, cacheDir, saveAfterMs: 0 })).toBe('hit');
    expect(results.codeCacheResult).toEqual(first);
  });

  it('runs the same with a damaged cache, and writes a good one again', async () => {
    const cacheDir = join(tmp, 'damaged-cache');
    const file = await makeScript('b2.cjs', 'globalThis.codeCacheResult = [1, 2, 3].map((x) => x * 7);');
    runScript({ file, cacheDir, saveAfterMs: 0 });
    await tick(50);
    const [name] = await readdir(cacheDir);
    const bytes = await readFile(join(cacheDir, name!));
    bytes[bytes.length - 10] ^= 0xff;
    await writeFile(join(cacheDir, name!), bytes);
    results.codeCacheResult = undefined;
    expect(runScript({ file, cacheDir, saveAfterMs: 0 })).toBe('miss');
    expect(results.codeCacheResult).toEqual([7, 14, 21]);
    await tick(50);
    expect(runScript({ file, cacheDir, saveAfterMs: 0 })).toBe('hit');
  });

  it('never uses one script\'s cache for another script, even of the same length', async () => {
    const cacheDir = join(tmp, 'two-scripts');
    const a = await makeScript('c3.cjs', 'globalThis.codeCacheResult = "first";');
    const b = await makeScript('d4.cjs', 'globalThis.codeCacheResult = "other";');
    runScript({ file: a, cacheDir, saveAfterMs: 0 });
    await tick(50);
    expect(runScript({ file: b, cacheDir, saveAfterMs: 0 })).toBe('miss');
    expect(results.codeCacheResult).toBe('other');
  });

  it('runs without a cache when told to (cacheDir null) or when the script has no build header', async () => {
    const cacheDir = join(tmp, 'unused-cache');
    const file = await makeScript('e5.cjs', 'globalThis.codeCacheResult = "no cache";');
    expect(runScript({ file, cacheDir: null })).toBe('off');
    const bare = join(tmp, 'bare.cjs');
    await writeFile(bare, 'globalThis.codeCacheResult = "bare";\n');
    expect(runScript({ file: bare, cacheDir })).toBe('off');
    expect(results.codeCacheResult).toBe('bare');
    await tick(50);
    await expect(stat(cacheDir)).rejects.toThrow();
  });
});
