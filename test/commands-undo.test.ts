// `memagent undo`, `restore` and `show --history` as a user runs them (issue 10, items 3, 6 and
// 15): the built CLI as a child process, memory built by real chat runs against the in-process
// fake API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySchema, type Memory } from '../src/core/schema.js';
import { apiWorkspace, runCli } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

const workspace = (extra: Record<string, string> = {}) => apiWorkspace(fake().url, extra);
type Ws = Awaited<ReturnType<typeof workspace>>;

async function chat(ws: Ws, user: string, input: string) {
  const r = await runCli(['chat', '--user', user], { ...ws, input });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

async function load(ws: Ws, user: string): Promise<Memory> {
  return memorySchema.parse(JSON.parse(await fs.readFile(path.join(ws.memoryDir, `${user}.json`), 'utf8')));
}

const activeTexts = (m: Memory) => m.facts.filter((f) => f.status === 'active').map((f) => f.text);

describe('memagent undo', () => {
  it('reverts only the last session, says what it changed, and a second undo brings the session back', async () => {
    const ws = await workspace();
    await chat(ws, 'ann', 'I like alpha.\n');
    await chat(ws, 'ann', 'I like bravo.\n');
    const first = await runCli(['undo', '--user', 'ann'], ws);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      "Undid revision 2 of ann's memory: revision 1 is back, as revision 3.",
      '- retracted: I like bravo.',
      '~ summary rewritten',
      '(memagent undo --user ann reverts this undo; memagent show --user ann --history lists earlier versions)',
      '',
    ]);
    expect(activeTexts(await load(ws, 'ann'))).toEqual(['I like alpha.']);
    const again = await runCli(['undo', '--user', 'ann'], ws);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Undid revision 3 .*revision 2 is back, as revision 4\.\n\+ I like bravo\.\n/);
    expect(activeTexts(await load(ws, 'ann'))).toEqual(['I like alpha.', 'I like bravo.']);
  });

  it('after a forget, refuses with the reason instead of dropping what the session before taught', async () => {
    const ws = await workspace();
    await chat(ws, 'ann', 'I like alpha.\n');
    await chat(ws, 'ann', 'I like bravo.\n');
    await chat(ws, 'ann', 'I like charlie.\n');
    const forgot = await runCli(['forget', '--user', 'ann', '--match', 'charlie', '--yes'], ws);
    expect(forgot.code, forgot.stderr).toBe(0);
    const before = await load(ws, 'ann');
    const undo = await runCli(['undo', '--user', 'ann'], ws);
    expect(undo.code).toBe(1);
    expect(undo.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^memagent: nothing to undo for ann: .*forget .*cannot be undone/)]);
    expect(await load(ws, 'ann')).toEqual(before);
    expect(activeTexts(before)).toEqual(['I like alpha.', 'I like bravo.']);
  });

  it('sessions that teach nothing write no revision and leave undo to the last real session', async () => {
    const ws = await workspace();
    await chat(ws, 'ann', 'I like alpha.\n');
    for (const n of [1, 2, 3]) {
      const r = await chat(ws, 'ann', `hello ${n}\n`);
      expect(r.stderr).toContain('Nothing new to remember; memory unchanged (revision 1).');
      expect(r.stderr).not.toContain('Memory saved');
    }
    const memory = await load(ws, 'ann');
    expect(memory.revision).toBe(1);
    expect(memory.sessionCount).toBe(1);
    const undo = await runCli(['undo', '--user', 'ann'], ws);
    expect(undo.code).toBe(1);
    expect(undo.stderr).toMatch(/nothing to undo for ann: revision 1 is its first/);
  });
});

describe('memagent show --history and restore', () => {
  it('lists the earlier versions kept; restore --revision brings one back as a new revision', async () => {
    const ws = await workspace({ MEMAGENT_HISTORY_VERSIONS: '2' });
    for (const town of ['Aveiro', 'Braga', 'Coimbra', 'Faro']) await chat(ws, 'carol', `I live in ${town}.\n`);
    const history = await runCli(['show', '--user', 'carol', '--history'], ws);
    expect(history.code).toBe(0);
    expect(history.stdout.split('\n').slice(0, 2)).toEqual([
      "carol's memory is at revision 4; earlier versions kept (newest first):",
      expect.stringMatching(/^revision\s+written\s+size$/),
    ]);
    expect(history.stdout.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(['3', '2']);
    const restored = await runCli(['restore', '--user', 'carol', '--revision', '2'], ws);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^Restored revision 2 of carol's memory, as revision 5\.\n\+ I live in Braga\.\n- retracted: I live in Faro\.\n/);
    expect(activeTexts(await load(ws, 'carol'))).toEqual(['I live in Braga.']);
    const gone = await runCli(['restore', '--user', 'carol', '--revision', '1'], ws);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^memagent: revision 1 of carol's memory is not kept \(kept: 5, 4, 3\)/);
    const bad = await runCli(['restore', '--user', 'carol', '--revision', 'two'], ws);
    expect(bad.code).toBe(2);
  });

  it('a corrupt memory file names the newest intact version and the command that restores it; restore moves it aside and promises no undo it cannot keep', async () => {
    const ws = await workspace();
    await chat(ws, 'dan', 'I like alpha.\n');
    await chat(ws, 'dan', 'I like bravo.\n');
    const file = path.join(ws.memoryDir, 'dan.json');
    // Damaged outside memagent: a new file in its place (an editor, a bad sync).
    await fs.rm(file);
    await fs.writeFile(file, '{"schemaVersion": 1, "userId": "dan", ');
    for (const args of [['show', '--user', 'dan'], ['undo', '--user', 'dan']]) {
      const r = await runCli(args, ws);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/dan\.json: is not valid JSON .*the newest intact version kept is revision 2 \(written .*\): `memagent restore --user dan` moves this file aside and restores it$/),
      ]);
    }
    const restore = await runCli(['restore', '--user', 'dan'], ws);
    expect(restore.code, restore.stderr).toBe(0);
    const aside = /^Moved the unreadable memory file aside to (\S+) \(left as it was\)\.$/m.exec(restore.stdout)?.[1];
    expect(aside).toMatch(/dan\.json\.corrupt-/);
    expect(await fs.readFile(aside!, 'utf8')).toBe('{"schemaVersion": 1, "userId": "dan", ');
    expect(restore.stdout).toMatch(/^Restored revision 2 of dan's memory, as revision 3\.$/m);
    // No undo is promised for it (undo never brings the damaged file back), and undo says why
    // it has nothing to do without blaming a forget that never happened.
    expect(restore.stdout).not.toMatch(/undo/);
    const undo = await runCli(['undo', '--user', 'dan'], ws);
    expect(undo.code).toBe(1);
    expect(undo.stderr.trim().split('\n')).toEqual([expect.stringMatching(/nothing to undo for dan: .*going back would change nothing/)]);
    expect(undo.stderr).not.toMatch(/a forget scrubs every kept version, so it cannot be undone/);
    const show = await runCli(['show', '--user', 'dan'], ws);
    expect(show.code, show.stderr).toBe(0);
    expect(activeTexts(await load(ws, 'dan'))).toEqual(['I like alpha.', 'I like bravo.']);
  });
});

describe('a memory dir that is a regular file', () => {
  it('every command says so in one line and exits 1, never "unexpected error" (exit 70)', async () => {
    const ws = await workspace();
    await fs.writeFile(ws.memoryDir, 'not a directory\n');
    const commands = [
      ['show', '--user', 'u'],
      ['show'],
      ['export', '--user', 'u'],
      ['undo', '--user', 'u'],
      ['restore', '--user', 'u'],
      ['forget', '--user', 'u', '--all', '--yes'],
    ];
    for (const args of commands) {
      const r = await runCli(args, ws);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr.trim().split('\n')).toEqual([`memagent: ${ws.memoryDir}: is a file, not a directory; memagent keeps memories in a directory: point MEMAGENT_MEMORY_DIR (or --memory-dir) at one, or move the file away`]);
    }
    expect(await fs.readFile(ws.memoryDir, 'utf8')).toBe('not a directory\n');
  });
});
