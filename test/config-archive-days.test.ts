// Retention of episodic memory: `MEMAGENT_ARCHIVE_DAYS` in the resolved config, and the store the
// composition root builds from it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { resolveConfig } from '../src/cli/config.js';
import { compose } from '../src/cli/compose.js';

const dirs = { data: '/home/u/.local/share/memagent', config: '/home/u/.config/memagent', cache: '/home/u/.cache/memagent' };
const resolve = (env: NodeJS.ProcessEnv) => resolveConfig({}, env, '/work', dirs);
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
});

describe('MEMAGENT_ARCHIVE_DAYS', () => {
  it('unset or empty keeps every session', () => {
    expect(resolve({}).archiveDays).toBeUndefined();
    expect(resolve({ MEMAGENT_ARCHIVE_DAYS: '' }).archiveDays).toBeUndefined();
  });

  it('a whole number of days is taken; 0 or a non-number is a usage error naming the variable', () => {
    expect(resolve({ MEMAGENT_ARCHIVE_DAYS: '90' }).archiveDays).toBe(90);
    expect(() => resolve({ MEMAGENT_ARCHIVE_DAYS: '0' })).toThrow(UsageError);
    expect(() => resolve({ MEMAGENT_ARCHIVE_DAYS: 'a year' })).toThrow(/MEMAGENT_ARCHIVE_DAYS must be a whole number/);
  });

  it('the store keeps a session newer than the retention and removes older ones once a session is kept', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'memagent-archive-days-'));
    temps.push(tmp);
    const { store } = compose(resolveConfig({}, { MEMAGENT_MEMORY_DIR: join(tmp, 'memory'), MEMAGENT_ARCHIVE_DAYS: '30' }, tmp, dirs));
    const keep = async (sessionId: string, daysAgo: number) => {
      const at = new Date(Date.now() - daysAgo * 86_400_000);
      const journal = await store.journals.open({ userId: 'ann', sessionId, model: 'm', now: at });
      journal.append({ type: 'turn', role: 'user', text: `said ${daysAgo} days ago`, at: at.toISOString() });
      await journal.close();
      await store.archive.keepSession('ann', journal.path);
    };
    await keep('s-old', 45);
    await keep('s-recent', 10);
    expect((await store.archive.sessions('ann')).map((s) => s.sessionId)).toEqual(['s-recent']);
  });
});
