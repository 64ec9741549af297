import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempFiles, writeFileAtomic } from '../src/core/storage/file/atomic-write.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { emptyMemory, type Memory } from '../src/core/schema.js';

const testDir = fileURLToPath(new URL('.', import.meta.url));
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-atomic-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes the data with mode 0o600 and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmp, 'basic-'));
    const file = join(dir, 'alice.json');
    await writeFileAtomic(file, 'one\n');
    await writeFileAtomic(file, Buffer.from('two\n'));
    expect(await readFile(file, 'utf8')).toBe('two\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['alice.json']);
  });

  it('applies the given mode exactly, whatever the umask', async () => {
    const dir = await mkdtemp(join(tmp, 'mode-'));
    const file = join(dir, 'f');
    await writeFileAtomic(file, 'x', { mode: 0o640 });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('on failure leaves the target untouched and removes its temp file', async () => {
    const dir = await mkdtemp(join(tmp, 'fail-'));
    // Renaming a file over a non-empty directory fails after the temp file was written.
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'keep');
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['target']);
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('removeTempFiles removes only temp files of that target', async () => {
    const dir = await mkdtemp(join(tmp, 'clean-'));
    await writeFile(join(dir, '.a.json.123.abcdef.tmp'), 'junk');
    await writeFile(join(dir, '.a.json.9.00ff.tmp'), 'junk');
    await writeFile(join(dir, '.b.json.123.abcdef.tmp'), 'other target');
    await writeFile(join(dir, 'a.json'), 'real');
    expect(await removeTempFiles(join(dir, 'a.json'))).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['.b.json.123.abcdef.tmp', 'a.json']);
    expect(await removeTempFiles(join(dir, 'nowhere', 'a.json'))).toBe(0);
  });
});

/** A valid memory big enough (~40 KB) that a kill often lands mid-write. */
function bigMemory(userId: string, revision: number, marker: string): Memory {
  const t = '2026-01-01T00:00:00.000Z';
  const m = emptyMemory(userId, new Date(t));
  m.revision = revision;
  m.summary = marker;
  m.facts = Array.from({ length: 120 }, (_, i) => ({
    id: `f_${marker}${i}`,
    text: `${marker} fact number ${i} `.padEnd(300, 'x'),
    kind: 'fact' as const,
    confidence: 'high' as const,
    status: 'active' as const,
    pinned: false,
    createdAt: t,
    updatedAt: t,
    validFrom: t,
    source: { session: 's1', at: t, quote: 'q' },
  }));
  return m;
}

describe('writeFileAtomic under SIGKILL', () => {
  const LANES = 4;
  // 200 kills in all (CI runs them all); each costs a node start (~150 ms of CPU), lanes overlap
  // the waits. MEMAGENT_TEST_KILLS lowers the count for a quick local run.
  const KILLS_PER_LANE = Math.max(1, Math.ceil(Number(process.env.MEMAGENT_TEST_KILLS || 200) / LANES));

  it(`leaves a whole old or new file after each of ${LANES * KILLS_PER_LANE} kills at random moments`, async () => {
    const dir = await mkdtemp(join(tmp, 'kill-'));
    const child = join(dir, '..', 'kill-child.cjs');
    await build({
      stdin: {
        contents: `
          import { readFileSync } from 'node:fs';
          import { writeFileAtomic } from '../src/core/storage/file/atomic-write.js';
          const [file, versionsFile] = process.argv.slice(2);
          const versions = JSON.parse(readFileSync(versionsFile, 'utf8'));
          (async () => {
            process.stdout.write('ready\\n');
            // B first (the file starts as A), then A, B, ...; a line after each completed write.
            for (let i = 1; ; i++) {
              await writeFileAtomic(file, versions[i % 2]);
              process.stdout.write('wrote\\n');
            }
          })();
        `,
        resolveDir: testDir,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: child,
      logLevel: 'error',
    });
    const store = new FileMemoryStore({ dir });

    async function lane(n: number): Promise<number> {
      const userId = `lane${n}`;
      const file = join(dir, `${userId}.json`);
      const versions = [bigMemory(userId, 1, 'A'), bigMemory(userId, 2, 'B')].map((m) => `${JSON.stringify(m, null, 2)}\n`);
      const versionsFile = join(dir, `versions-${n}.json`);
      await writeFile(versionsFile, JSON.stringify(versions));
      await writeFileAtomic(file, versions[0]);
      let sawB = 0;
      for (let k = 0; k < KILLS_PER_LANE; k++) {
        const proc = spawn(process.execPath, [child, file, versionsFile], { stdio: ['ignore', 'pipe', 'inherit'] });
        const exited = new Promise<void>((done) => proc.on('exit', () => done()));
        let lines = '';
        const wrote = new Promise<void>((done) =>
          proc.stdout.on('data', (d: Buffer) => {
            lines += d.toString();
            if (lines.includes('wrote')) done();
          }),
        );
        await new Promise<void>((ready) => proc.stdout.once('data', () => ready()));
        // Every other kill waits for the first completed write (B), so some kills find B
        // however slow the disk is; then a random delay lands the kill anywhere in a later write.
        if (k % 2 === 1) await Promise.race([wrote, exited]);
        await new Promise((r) => setTimeout(r, Math.random() * 20));
        proc.kill('SIGKILL');
        await exited;
        const bytes = await readFile(file, 'utf8');
        expect(versions).toContain(bytes);
        if (bytes === versions[1]) sawB++;
        // load validates it and is not confused by the killed writers' temp files.
        const { memory } = await store.load(userId);
        expect(['A', 'B']).toContain(memory.summary);
      }
      return sawB;
    }

    const flips = await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
    // The children really were writing: some kills left version B.
    expect(flips.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const strays = (await readdir(dir)).filter((n) => n.endsWith('.tmp'));
    let removed = 0;
    for (let n = 0; n < LANES; n++) removed += await removeTempFiles(join(dir, `lane${n}.json`));
    expect(removed).toBe(strays.length);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 180_000);
});
