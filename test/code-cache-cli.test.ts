// The CLI through its code cache, as a user runs it (issue 15): the first run leaves a cache in the
// user cache dir, later runs use it, and a damaged, unwritable or switched-off cache changes nothing
// a user sees.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { makeFact } from './helpers/memory.js';
import { cliEnv, runCli, tempWorkspace } from './helpers/cli.js';

async function workspace() {
  const ws = await tempWorkspace();
  const store = new FileMemoryStore({ dir: ws.memoryDir });
  await store.update('alice', (m) => ({ ...m, facts: [makeFact('f_1', 'Alice drinks green tea.', '2026-03-01T10:00:00.000Z', { kind: 'preference' })] }));
  const cacheHome = path.join(ws.cwd, 'cache-home');
  const show = (extra: Record<string, string> = {}) =>
    runCli(['show', '--user', 'alice'], { cwd: ws.cwd, env: cliEnv({ MEMAGENT_MEMORY_DIR: ws.memoryDir, XDG_CACHE_HOME: cacheHome, ...extra }) });
  const cacheDir = path.join(cacheHome, 'memagent', 'code-cache');
  const cacheFiles = async () => (await fs.readdir(cacheDir).catch(() => [] as string[])).filter((n) => n.endsWith('.v8cache'));
  return { show, cacheDir, cacheFiles };
}

describe('memagent with its code cache', () => {
  it('leaves a private cache on the first run and reuses it untouched on the next, with the same output', async () => {
    const { show, cacheDir, cacheFiles } = await workspace();
    const first = await show();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('Alice drinks green tea.');
    const [name] = await cacheFiles();
    expect(name).toBeDefined();
    const file = path.join(cacheDir, name!);
    const before = await fs.stat(file);
    expect(before.mode & 0o777).toBe(0o600);
    const second = await show();
    expect(second).toEqual(first);
    const after = await fs.stat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('shows the same with a damaged cache, and replaces it with a good one', async () => {
    const { show, cacheDir, cacheFiles } = await workspace();
    const first = await show();
    const file = path.join(cacheDir, (await cacheFiles())[0]!);
    const bytes = await fs.readFile(file);
    for (let i = bytes.length - 2000; i < bytes.length; i += 7) bytes[i] ^= 0x5a;
    await fs.writeFile(file, bytes);
    expect(await show()).toEqual(first);
    const healed = await fs.stat(file);
    expect(await show()).toEqual(first);
    expect((await fs.stat(file)).mtimeMs).toBe(healed.mtimeMs);
    expect(await fs.readFile(file)).not.toEqual(bytes);
  });

  it('shows the same, silently, when the cache dir cannot be written', async () => {
    const { show } = await workspace();
    const reference = await show({ MEMAGENT_CODE_CACHE: '0' });
    const ws = await tempWorkspace();
    const file = path.join(ws.cwd, 'not-a-dir');
    await fs.writeFile(file, 'x');
    const r = await show({ XDG_CACHE_HOME: file });
    expect(r).toEqual(reference);
  });

  it('MEMAGENT_CODE_CACHE=0 runs without a cache and writes none', async () => {
    const { show, cacheFiles } = await workspace();
    const r = await show({ MEMAGENT_CODE_CACHE: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Alice drinks green tea.');
    expect(await cacheFiles()).toEqual([]);
  });
});
