// Issue 10, item 1: a writer paused (Ctrl+Z, laptop sleep, VM pause) after it wrote its new
// revision's temp file loses its lock to the stale timeout; a second writer commits meanwhile.
// When the first one resumes it must not replace that newer revision. Real processes: the built
// CLI, paused by a test-only hook (it stops itself with SIGSTOP right after its temp file is
// written), a second CLI writing while the first one's lock goes stale, then SIGCONT.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

/** The state letter of a process from /proc (`T` when stopped); '' once it is gone. */
async function processState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
}

describe.skipIf(process.platform !== 'linux')('a memory writer paused past its lock', () => {
  const fake = useFakeApi();

  it('never replaces the revision another session wrote meanwhile: both sessions\' facts are kept', async () => {
    const { cwd, memoryDir, env } = await apiWorkspace(fake().url, {
      // The shortest stale time the lock allows, so the second writer takes over in ~2-3 s.
      MEMAGENT_TEST_LOCK_STALE_MS: '2000',
      MEMAGENT_EXIT_TIMEOUT_MS: '60000',
    });
    const seed = await runCli(['chat', '--user', 'pat'], { cwd, env, input: 'My name is Pat.\n' });
    expect(seed.code, seed.stderr).toBe(0);

    const first = startCli(['chat', '--user', 'pat'], { cwd, env: { ...env, MEMAGENT_TEST_PAUSE_AFTER_TEMP_FILE: '1' } });
    const firstDone = collect(first, 'I like alphafruit.\n', 90_000);
    await waitFor(() => processState(first.pid!), (s) => s === 'T', 30_000);

    const second = await runCli(['chat', '--user', 'pat'], { cwd, env, input: 'I like bravofruit.\n', timeoutMs: 40_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('bravofruit');

    first.kill('SIGCONT');
    const resumed = await firstDone;
    expect(resumed.stderr).toContain('memagent-test: paused after temp file');
    expect(resumed.code, resumed.stderr).toBe(0);

    const { memory } = await new FileMemoryStore({ dir: memoryDir }).load('pat');
    const texts = memory.facts.filter((f) => f.status === 'active').map((f) => f.text);
    expect(texts).toEqual(expect.arrayContaining(['My name is Pat.', 'I like alphafruit.', 'I like bravofruit.']));
    expect(memory.revision).toBe(3);
    expect(memory.sessionCount).toBe(3);
  }, 120_000);
});
