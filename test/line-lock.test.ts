/**
 * The line lock that serializes appends, rewrites and conversions of journals and the input
 * history: a holder killed mid-append never wedges the file, and an encrypted append is atomic.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageCipher, parseIdentity } from '../src/core/storage/file/age-cipher.js';
import { generateIdentityFile } from '../src/core/storage/file/age-identity.js';
import { appendDurably, rewriteLines, withLineLock } from '../src/core/storage/file/line-file.js';

const dir = mkdtempSync(join(tmpdir(), 'memagent-line-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid no process has: above the kernel's default pid_max (4,194,304 on 64-bit). */
const DEAD_PID = 4_194_400;

describe('line lock', () => {
  it('takes over a lock left by a process that is gone, and removes it after', () => {
    const file = join(dir, 'a.jsonl');
    const lock = join(dir, '.a.jsonl.rw-lock');
    writeFileSync(lock, String(DEAD_PID));
    appendDurably(file, Buffer.from('one\n'));
    expect(readFileSync(file, 'utf8')).toBe('one\n');
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over an old lock without a pid (a holder killed while creating it)', () => {
    const file = join(dir, 'b.jsonl');
    const lock = join(dir, '.b.jsonl.rw-lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(withLineLock(file, () => 42)).toBe(42);
    expect(existsSync(lock)).toBe(false);
  });

  it('of two waiters that judged a dead holder\'s lock stale, the second never removes the lock the first just took', () => {
    const file = join(dir, 'e.jsonl');
    const lock = join(dir, '.e.jsonl.rw-lock');
    writeFileSync(lock, String(DEAD_PID));
    // A live process other than this one: the first waiter, which took the lock over meanwhile.
    const first = process.ppid;
    let ran = false;
    const second = () =>
      withLineLock(file, () => (ran = true), {
        waitMs: 200,
        afterStaleJudged: () => {
          rmSync(lock);
          writeFileSync(lock, String(first));
        },
      });
    expect(second).toThrow(`is being rewritten by process ${first}`);
    expect(ran).toBe(false);
    expect(readFileSync(lock, 'utf8')).toBe(String(first));
    rmSync(lock);
  });

  it('a takeover guard left by a waiter killed while holding it does not wedge the file', () => {
    const file = join(dir, 'f.jsonl');
    const lock = join(dir, '.f.jsonl.rw-lock');
    writeFileSync(lock, String(DEAD_PID));
    mkdirSync(`${lock}.takeover`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${lock}.takeover`, old, old);
    appendDurably(file, Buffer.from('one\n'));
    expect(readFileSync(file, 'utf8')).toBe('one\n');
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.takeover`)).toBe(false);
  });

  it('releases the lock when the work throws', () => {
    const file = join(dir, 'c.jsonl');
    expect(() => withLineLock(file, () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(existsSync(join(dir, '.c.jsonl.rw-lock'))).toBe(false);
  });

  it('an encrypted append keeps every earlier line and a forget rewrite removes only its lines', async () => {
    const cipher = ageCipher(parseIdentity((await generateIdentityFile(new Date())).text));
    const file = join(dir, 'd.jsonl');
    for (let i = 0; i < 30; i++) appendDurably(file, Buffer.from(`line ${i}\n`), cipher);
    const removed = await rewriteLines(
      file,
      (text) => {
        const lines = text.split('\n').filter(Boolean);
        const kept = lines.filter((l) => !l.endsWith(' 7'));
        return { kept: kept.map((l) => `${l}\n`).join(''), removed: lines.length - kept.length };
      },
      cipher,
    );
    expect(removed).toBe(1);
    appendDurably(file, Buffer.from('line 30\n'), cipher);
    const text = cipher.open(file, readFileSync(file)).toString();
    expect(text.split('\n').filter(Boolean)).toEqual([...Array.from({ length: 31 }, (_, i) => `line ${i}`)].filter((l) => l !== 'line 7'));
    expect(readFileSync(file).includes(Buffer.from('line 1'))).toBe(false);
  });
});
