// Memory tools in the built CLI (pipe mode): the one stderr line per call, and a fact saved by
// memory_remember survives a SIGKILL right after the call (it was written under the lock before
// the result went back to the model); the next run saves the killed session without a duplicate.
import { describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { chatRequests, extractRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi({ strict: true });

describe('memory_remember in the CLI', () => {
  it('keeps the fact through a SIGKILL right after the call, and the next run does not add it twice', async () => {
    const ws = await apiWorkspace(fake().url);
    fake().enqueue(
      { kind: 'tool_use', text: 'Noting that.', calls: [{ name: 'memory_remember', input: { text: 'Lives in Lyon', kind: 'fact', quote: 'I live in Lyon' } }] },
      // The answer after the tool result never comes: the process is killed while waiting for it.
      { kind: 'hang' },
    );
    const child = startCli(['chat', '--user', 'alice'], ws);
    const done = collect(child, null, 25_000);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.write('I live in Lyon, by the way.\n');
    // The second request carries the tool result: the write has landed by then.
    await waitFor(() => chatRequests(fake()).length, (n) => n >= 2, 20_000);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(stderr).toMatch(/memagent: ⚙ memory_remember "Lives in Lyon" → saved f_\w+: Lives in Lyon\n/);

    const store = new FileMemoryStore({ dir: ws.memoryDir });
    const after = (await store.load('alice')).memory;
    expect(after.facts.map((f) => [f.text, f.status])).toEqual([['Lives in Lyon', 'active']]);

    // Next run: the killed session's journal is extracted; the extraction proposes the fact again.
    fake().reset();
    fake().enqueue({
      match: 'extract',
      kind: 'json',
      value: { summary: '', add: [{ text: 'Lives in Lyon', kind: 'fact', confidence: 'high', quote: 'I live in Lyon' }], update: [], supersede: [], retract: [], decisions: [] },
    });
    const next = await runCli(['chat', '--user', 'alice'], { ...ws, input: '' });
    expect(next.code).toBe(0);
    expect(next.stderr).toContain('saved 1 earlier session');
    expect(extractRequests(fake())[0].body.messages[0].content).toContain('Lives in Lyon');
    const final = (await store.load('alice')).memory;
    expect(final.facts.filter((f) => f.text === 'Lives in Lyon')).toHaveLength(1);
    expect(fake().unexpected).toEqual([]);
  });
});
