import { spawn, type ChildProcess } from 'node:child_process';
import { rmdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, rmdir, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockError } from '../src/core/errors.js';
import { LOCK_STALE_MS, holdLock, isLockLive, reclaimIfHolderDead, withLock } from '../src/core/storage/file/lock.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import type { Fact, Memory } from '../src/core/schema.js';

const testDir = fileURLToPath(new URL('.', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/memagent.js', import.meta.url));
let tmp: string;
let child: string;

/** Quick retries for tests that expect a timeout. */
const FAST_FAIL = { retries: { retries: 2, minTimeout: 10, maxTimeout: 20 } };

function fact(n: number): Fact {
  const t = '2026-01-01T00:00:00.000Z';
  return {
    id: `f_${n}`,
    text: `fact ${n}`,
    kind: 'fact',
    confidence: 'high',
    status: 'active',
    pinned: false,
    createdAt: t,
    updatedAt: t,
    validFrom: t,
    source: { session: 's', at: t, quote: `fact ${n}` },
  };
}

// The real MemoryStore and lock, bundled for plain `node` children (Node 20 cannot run .ts).
const CHILD_SOURCE = `
  import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
  import { withLock } from '../src/core/storage/file/lock.js';
  const [mode, dir, userId, n] = process.argv.slice(2);
  const store = new FileMemoryStore({ dir });
  const t = '2026-01-01T00:00:00.000Z';
  (async () => {
    if (mode === 'add') {
      await store.update(userId, (m) => ({
        ...m,
        facts: [...m.facts, { id: 'f_' + n, text: 'fact ' + n, kind: 'fact', confidence: 'high', status: 'active',
          pinned: false, createdAt: t, updatedAt: t, validFrom: t, source: { session: 's', at: t, quote: 'q' } }],
      }));
      process.stdout.write('ok\\n');
    } else if (mode === 'hold') {
      await withLock(await store.pathFor(userId), () => {
        process.stdout.write('held\\n');
        // proper-lockfile's refresh timer is unref'd: keep the process alive ourselves.
        setInterval(() => {}, 60_000);
        return new Promise(() => {});
      });
    }
  })().catch((e) => { process.stderr.write(String(e && e.message) + '\\n'); process.exit(1); });
`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-lock-'));
  child = join(tmp, 'lock-child.cjs');
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: testDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: child,
    logLevel: 'error',
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the built CLI (the process project builds dist/ first) with no API key: enough for forget. */
function runCliOnce(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((done) => proc.on('close', (code) => done({ code, out, err })));
}

function run(args: string[]): { proc: ChildProcess; exit: Promise<{ code: number | null; out: string; err: string }> } {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; out: string; err: string }>((done) => proc.on('close', (code) => done({ code, out, err })));
  return { proc, exit };
}

describe('withLock across processes', () => {
  it('20 concurrent writers in separate processes all land: revision +20, each fact once', async () => {
    const dir = await mkdtemp(join(tmp, 'many-'));
    const store = new FileMemoryStore({ dir });
    await store.update('alice', (m) => ({ ...m, summary: 'start' }));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => run(['add', dir, 'alice', String(i)]).exit));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0, out: 'ok\n' });
    const { memory } = await store.load('alice');
    expect(memory.revision).toBe(21);
    expect(memory.facts.map((f) => f.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f_${i}`).sort());
    expect(memory.summary).toBe('start');
    // Every lock was released; history kept the last 10 earlier versions.
    expect((await readdir(dir)).filter((n) => n.endsWith('.lock'))).toEqual([]);
    expect((await store.history('alice')).map((h) => h.revision)).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11]);
  }, 60_000);

  it('reclaims the lock of a SIGKILLed holder once stale; the next writer succeeds in bounded time', async () => {
    const dir = await mkdtemp(join(tmp, 'stale-'));
    const store = new FileMemoryStore({ dir });
    const holder = run(['hold', dir, 'bob']);
    await new Promise<void>((held) => holder.proc.stdout!.once('data', () => held()));
    holder.proc.kill('SIGKILL');
    await holder.exit;
    // SIGKILL gives proper-lockfile no chance to clean up: the lock dir is left behind.
    const lockDir = join(dir, 'bob.json.lock');
    await stat(lockDir);
    expect(await isLockLive(join(dir, 'bob.json'))).toBe(true);
    const started = Date.now();
    const result = await store.update('bob', (m) => ({ ...m, facts: [fact(1)] }));
    const waited = Date.now() - started;
    expect(result.after.revision).toBe(1);
    // Stale after LOCK_STALE_MS since the holder's last refresh, plus ≤ 1 s of mtime rounding
    // and one backoff step; the margin is for a loaded CI machine.
    expect(waited).toBeLessThan(LOCK_STALE_MS + 5_000);
    await expect(stat(lockDir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 30_000);
});

describe('a lock whose holder died while its mtime lies in the future (the clock stepped back)', () => {
  /** A memory with facts f_1 and f_2 whose lock is left by a SIGKILLed holder, with an mtime an hour ahead. */
  async function deadHolderWithFutureMtime(name: string) {
    const dir = await mkdtemp(join(tmp, `${name}-`));
    const store = new FileMemoryStore({ dir });
    await store.update(name, (m) => ({ ...m, facts: [fact(1), fact(2)] }));
    const holder = run(['hold', dir, name]);
    await new Promise<void>((held) => holder.proc.stdout!.once('data', () => held()));
    holder.proc.kill('SIGKILL');
    await holder.exit;
    const future = new Date(Date.now() + 3600_000);
    await utimes(join(dir, `${name}.json.lock`), future, future);
    return { dir, store, file: join(dir, `${name}.json`) };
  }

  it('is taken over at once: the next write lands without waiting for the clock to pass it', async () => {
    const { dir, store, file } = await deadHolderWithFutureMtime('future');
    expect(await isLockLive(file)).toBe(true); // by its mtime it looks held for another hour
    const result = await store.update('future', (m) => ({ ...m, facts: [...m.facts, fact(3)] }), { signal: AbortSignal.timeout(2000) });
    expect(result.after.revision).toBe(2);
    // Nothing of the dead holder is left: no lock dir, no owner record.
    expect((await readdir(dir)).filter((n) => n.includes('.lock'))).toEqual([]);
  });

  it('memagent forget succeeds at once (it failed for 13 s)', async () => {
    const { dir, store } = await deadHolderWithFutureMtime('forgetme');
    const started = Date.now();
    const r = await runCliOnce(['forget', '--user', 'forgetme', 'f_1', '--yes', '--memory-dir', dir]);
    expect(r.code, r.err).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000); // the lock's whole retry budget is ~13.4 s
    expect((await store.load('forgetme')).memory.facts.map((f) => f.id)).toEqual(['f_2']);
  }, 30_000);

  it('without an owner record (an older memagent) it is taken over once its mtime has not moved for the stale time', async () => {
    const { file, dir } = await deadHolderWithFutureMtime('noowner');
    await rm(join(dir, 'noowner.json.lock.owner'), { force: true });
    const result = await withLock(file, () => 'written', { staleMs: 2000, retries: { retries: 60, minTimeout: 100, maxTimeout: 100 } });
    expect(result).toBe('written');
  });

  it('two waiters reclaiming the same dead lock: the later one never removes the lock the first one took meanwhile', async () => {
    const { file } = await deadHolderWithFutureMtime('race');
    let second: Awaited<ReturnType<typeof holdLock>> = null;
    // Waiter 1 has judged the holder dead; before it removes the lock dir, waiter 2 reclaims and locks.
    const reclaimed = await reclaimIfHolderDead(file, {
      beforeRemove: async () => {
        second = await holdLock(file);
      },
    });
    expect(second).not.toBeNull();
    expect(reclaimed).toBe(false);
    try {
      // Waiter 2's lock still stands: nobody else can take it, and waiter 2 has not lost it.
      expect(await holdLock(file)).toBeNull();
      expect(await isLockLive(file)).toBe(true);
      expect(second!.compromised).toBe(false);
    } finally {
      await second!.release();
    }
  });

  it('a live holder in another process is never taken over', async () => {
    const dir = await mkdtemp(join(tmp, 'alive-'));
    const holder = run(['hold', dir, 'alive']);
    try {
      await new Promise<void>((held) => holder.proc.stdout!.once('data', () => held()));
      const err = await withLock(join(dir, 'alive.json'), () => 'stolen', FAST_FAIL).catch((e) => e);
      expect(err).toBeInstanceOf(LockError);
      expect(await holdLock(join(dir, 'alive.json'))).toBeNull();
    } finally {
      holder.proc.kill('SIGKILL');
      await holder.exit;
    }
  });
});

describe('withLock in one process', () => {
  it('serializes concurrent sections and releases after each', async () => {
    const dir = await mkdtemp(join(tmp, 'inproc-'));
    const store = new FileMemoryStore({ dir });
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.update('carol', (m) => ({ ...m, facts: [...m.facts, fact(i)] }))));
    const { memory } = await store.load('carol');
    expect(memory.revision).toBe(5);
    expect(memory.facts).toHaveLength(5);
  });

  it('times out with a LockError saying to try again while another holder is live', async () => {
    const dir = await mkdtemp(join(tmp, 'busy-'));
    const file = join(dir, 'dave.json');
    const held = await holdLock(file);
    expect(held).not.toBeNull();
    expect(await holdLock(file)).toBeNull();
    let ran = false;
    const err = await withLock(file, () => (ran = true), FAST_FAIL).catch((e) => e);
    expect(err).toBeInstanceOf(LockError);
    expect(err.message).toMatch(/locked by another memagent .*dave\.json\.lock.*try again/);
    expect(ran).toBe(false);
    await held!.release();
    expect(await isLockLive(file)).toBe(false);
    expect(await withLock(file, () => 'free')).toBe('free');
  });

  it('fails fast with LockError when the directory is missing', async () => {
    const started = Date.now();
    await expect(withLock(join(tmp, 'no-such-dir', 'x.json'), () => 1)).rejects.toThrow(LockError);
    // Far below the retry budget (~13 s) it would spend waiting on a lock held elsewhere.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('releases the lock when the section throws, and rethrows', async () => {
    const dir = await mkdtemp(join(tmp, 'throw-'));
    const file = join(dir, 'erin.json');
    await expect(withLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await isLockLive(file)).toBe(false);
  });

  it('re-runs a section whose lock was lost; assertHeld stops it before its commit', async () => {
    const dir = await mkdtemp(join(tmp, 'lost-'));
    const file = join(dir, 'frank.json');
    const attempts: number[] = [];
    const committed: number[] = [];
    const result = await withLock(file, async (lock) => {
      attempts.push(lock.attempt);
      // Another process taking over looks like this from here: our lock dir is gone.
      if (lock.attempt === 1) await rmdir(`${file}.lock`);
      lock.assertHeld();
      committed.push(lock.attempt);
      return 'done';
    });
    expect(result).toBe('done');
    expect(attempts).toEqual([1, 2]);
    expect(committed).toEqual([2]);
  });

  it('discards the result of a section that finished on a lost lock, and re-runs it', async () => {
    const dir = await mkdtemp(join(tmp, 'blind-'));
    const file = join(dir, 'gina.json');
    const result = await withLock(file, async (lock) => {
      if (lock.attempt === 1) await rmdir(`${file}.lock`);
      return `attempt ${lock.attempt}`;
    });
    expect(result).toBe('attempt 2');
  });

  it('gives up with LockError after losing the lock maxAttempts times', async () => {
    const dir = await mkdtemp(join(tmp, 'gone-'));
    const file = join(dir, 'hank.json');
    let runs = 0;
    const err = await withLock(
      file,
      async () => {
        runs++;
        await rmdir(`${file}.lock`);
      },
      { maxAttempts: 3 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(LockError);
    expect(err.message).toMatch(/lost the lock .* 3 times/);
    expect(runs).toBe(3);
  });

  it('MemoryStore.update re-run after a lost lock writes once, revision +1', async () => {
    const dir = await mkdtemp(join(tmp, 'store-lost-'));
    const store = new FileMemoryStore({ dir });
    const file = await store.pathFor('ivy');
    let calls = 0;
    const result = await store.update('ivy', (m: Memory) => {
      calls++;
      if (calls === 1) rmdirSync(`${file}.lock`);
      return { ...m, facts: [...m.facts, fact(calls)] };
    });
    expect(calls).toBe(2);
    expect(result.after.revision).toBe(1);
    const { memory } = await store.load('ivy');
    expect(memory.facts.map((f) => f.id)).toEqual(['f_2']);
    expect(await store.history('ivy')).toEqual([]);
  });
});
