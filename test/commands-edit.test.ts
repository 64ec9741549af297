// `memagent edit` as a user runs it (issue 14, "Editing memory"): the built CLI, memory taught by
// real chat runs against the in-process fake API, and a scripted $EDITOR standing in for the
// person at the keyboard.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySchema, type Memory } from '../src/core/schema.js';
import { apiWorkspace, BIN, runCli } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

async function workspace() {
  const ws = await apiWorkspace(fake().url);
  const r = await runCli(['chat', '--user', 'ann'], { ...ws, input: 'I like green tea.\nI like long walks.\n' });
  expect(r.code, r.stderr).toBe(0);
  return ws;
}
type Ws = Awaited<ReturnType<typeof workspace>>;

async function load(ws: Ws): Promise<Memory> {
  return memorySchema.parse(JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'ann.json'), 'utf8')));
}

/** A shell script that edits the file given as $1: the person at the keyboard, scripted. */
async function editor(ws: Ws, body: string): Promise<string> {
  const file = path.join(ws.cwd, `editor-${Math.random().toString(36).slice(2)}.sh`);
  await fs.writeFile(file, `#!/bin/sh\nset -e\n${body}\n`, { mode: 0o755 });
  return file;
}

function edit(ws: Ws, editorPath: string, args: string[] = ['--yes']) {
  return runCli(['edit', '--user', 'ann', ...args], { ...ws, env: { ...ws.env, EDITOR: editorPath, VISUAL: undefined } });
}

const active = (m: Memory) => m.facts.filter((f) => f.status === 'active').map((f) => f.text);

describe('memagent edit', () => {
  it('a changed line supersedes the fact: the diff is shown in the exit-report words and undo reverts it', async () => {
    const ws = await workspace();
    const before = await load(ws);
    const r = await edit(ws, await editor(ws, `sed -i 's/I like green tea\\./I like black tea./' "$1"`));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('~ I like black tea. (was: I like green tea.)');
    expect(r.stdout).toMatch(/Saved ann's memory \(revision \d+; memagent undo --user ann reverts\)/);
    const after = await load(ws);
    expect(after.revision).toBe(before.revision + 1);
    expect(active(after)).toEqual(['I like long walks.', 'I like black tea.']);
    expect(after.facts.find((f) => f.text === 'I like green tea.')?.status).toBe('superseded');
    const undo = await runCli(['undo', '--user', 'ann'], ws);
    expect(undo.code, undo.stderr).toBe(0);
    expect(active(await load(ws))).toEqual(['I like green tea.', 'I like long walks.']);
  });

  it('a deleted line retracts, a new line adds, and a pin is set from the tag', async () => {
    const ws = await workspace();
    const script = `sed -i -e '/I like long walks/d' -e 's/^\\(- I like green tea\\..*\\)}$/\\1 pinned}/' -e '/^## Facts/a - Allergic to peanuts {constraint}' "$1"`;
    const r = await edit(ws, await editor(ws, script));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('- retracted: I like long walks.');
    expect(r.stdout).toContain('* pinned: I like green tea.');
    const m = await load(ws);
    expect(m.facts.find((f) => f.text === 'I like long walks.')?.status).toBe('retracted');
    expect(m.facts.find((f) => f.text === 'I like green tea.')?.pinned).toBe(true);
    expect(r.stdout).toContain('+ Allergic to peanuts');
    expect(m.facts.find((f) => f.text === 'Allergic to peanuts')).toMatchObject({ kind: 'constraint', status: 'active', pinned: false });
  });

  it('an edit that cannot be read, without a terminal, names the line and writes nothing', async () => {
    const ws = await workspace();
    const before = await load(ws);
    const r = await edit(ws, await editor(ws, `sed -i 's/ high}$/ sure}/' "$1"`));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memagent: the edit cannot be applied: line \d+: "sure" in \{…\} is not a fact id, a kind .*; nothing changed\n$/);
    expect((await load(ws)).revision).toBe(before.revision);
  });

  it('a memory changed by another session while the editor was open is never overwritten', async () => {
    const ws = await workspace();
    const other = `"${process.execPath}" "${BIN}" chat --user ann <<'EOF2'\nI like sailing.\nEOF2`;
    const r = await edit(ws, await editor(ws, `${other}\nsed -i 's/I like green tea\\./I like black tea./' "$1"`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the memory changed while you were editing \(revision \d+ → \d+\); nothing written; run memagent edit again/);
    expect(active(await load(ws))).toEqual(['I like green tea.', 'I like long walks.', 'I like sailing.']);
  });

  it('asks before writing: without a terminal and without --yes it refuses in one line', async () => {
    const ws = await workspace();
    const r = await edit(ws, await editor(ws, 'true'), []);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memagent: memagent edit asks before it writes: run it in a terminal, or add --yes to apply the edit without asking\n');
  });

  it('an editor that saves nothing new, or fails, changes nothing', async () => {
    const ws = await workspace();
    const same = await edit(ws, await editor(ws, 'true'));
    expect(same.stdout).toBe('No changes.\n');
    const failed = await edit(ws, await editor(ws, 'exit 3'));
    expect(failed.code).toBe(0);
    expect(failed.stdout).toBe('The editor exited with an error; nothing changed.\n');
  });
});
