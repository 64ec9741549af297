// Where memory lives, who the default user is, and one-shot prompts, as a user meets them: the built
// CLI as a child process under a temp HOME, against the in-process fake API.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { runCli } from './helpers/cli.js';
import { chatRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

/** A temp HOME and two working dirs in it; env with no MEMAGENT_MEMORY_DIR and no XDG variables unless given. */
async function homeWorkspace(extra: Record<string, string> = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-home-'));
  const home = path.join(root, 'home');
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  await Promise.all([home, a, b].map((d) => fs.mkdir(d, { recursive: true })));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake().url, ...extra };
  return { root, home, a, b, env };
}

/**
 * Every path under `dir`, relative, sorted; without the code cache (`.cache/memagent/code-cache`,
 * V8's compiled code of the CLI itself, issue 15), the one thing any run may leave in a home.
 */
async function tree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  const cache = ['.cache', path.join('.cache', 'memagent'), path.join('.cache', 'memagent', 'code-cache')];
  return entries.map(String).filter((e) => !cache.includes(e) && !e.startsWith(`${cache[2]}${path.sep}`)).sort();
}

/** What the user sent in the last user message of a recorded chat request (its last text block: a recalled-memory block may come first). */
function lastUserText(body: any): string {
  const last = body.messages.at(-1);
  return typeof last.content === 'string' ? last.content : last.content.filter((b: { type: string }) => b.type === 'text').at(-1).text;
}

const osUser = os.userInfo().username;

describe('where memory lives', () => {
  it('with XDG_DATA_HOME set, memory is in $XDG_DATA_HOME/memagent and follows the person to another directory', async () => {
    const ws = await homeWorkspace();
    const env = { ...ws.env, XDG_DATA_HOME: path.join(ws.root, 'data') };
    const taught = await runCli(['chat', '--user', 'alice', 'My name is Alice. I live in Lisbon.'], { cwd: ws.a, env });
    expect(taught.code).toBe(0);
    expect(taught.stderr).toContain(`→ ${path.join(ws.root, 'data', 'memagent', 'alice.json')}`);

    const shown = await runCli(['show', '--user', 'alice'], { cwd: ws.b, env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Lives in Lisbon|I live in Lisbon/);
    // Nothing in either working directory.
    expect(await tree(ws.a)).toEqual([]);
    expect(await tree(ws.b)).toEqual([]);
  });

  it('without XDG variables, memory is in ~/.local/share/memagent', async () => {
    const ws = await homeWorkspace();
    const r = await runCli(['chat', '--user', 'bob', 'My name is Bob.'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(0);
    await fs.access(path.join(ws.home, '.local', 'share', 'memagent', 'bob.json'));
  });

  it('a relative XDG_DATA_HOME is ignored, as the XDG spec says', async () => {
    const ws = await homeWorkspace({ XDG_DATA_HOME: 'relative/data' });
    const r = await runCli(['chat', '--user', 'bob', 'My name is Bob.'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(0);
    await fs.access(path.join(ws.home, '.local', 'share', 'memagent', 'bob.json'));
    expect(await tree(ws.a)).toEqual([]);
  });

  it('the config dir .env is read after the cwd .env: real variables win, then the cwd file, then the config dir file', async () => {
    const ws = await homeWorkspace();
    delete ws.env.ANTHROPIC_API_KEY; // only the config dir's .env has the key
    const configDir = path.join(ws.home, '.config', 'memagent');
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(
      path.join(configDir, '.env'),
      'ANTHROPIC_API_KEY=from-config\nMEMAGENT_MODEL=claude-from-config\nMEMAGENT_EXTRACT_MODEL=claude-extract-from-config\n',
    );
    await fs.writeFile(path.join(ws.a, '.env'), 'MEMAGENT_MODEL=claude-from-cwd\n');

    const fromA = await runCli(['chat', '--user', 'carol', 'hello'], { cwd: ws.a, env: ws.env });
    expect(fromA.code).toBe(0);
    expect(chatRequests(fake())[0].body.model).toBe('claude-from-cwd');
    expect(chatRequests(fake())[0].headers.authorization).toBe('Bearer from-config');
    // What the cwd file does not set still comes from the config dir's.
    expect(fake().requests.find((r) => r.body?.output_config)?.body.model).toBe('claude-extract-from-config');

    fake().reset();
    const fromB = await runCli(['chat', '--user', 'carol', 'hello'], { cwd: ws.b, env: ws.env });
    expect(fromB.code).toBe(0);
    expect(chatRequests(fake())[0].body.model).toBe('claude-from-config');

    fake().reset();
    const real = await runCli(['chat', '--user', 'carol', 'hello'], { cwd: ws.a, env: { ...ws.env, MEMAGENT_MODEL: 'claude-from-env' } });
    expect(real.code).toBe(0);
    expect(chatRequests(fake())[0].body.model).toBe('claude-from-env');
    const flagged = await runCli(['chat', '--user', 'carol', '--model', 'claude-from-flag', 'hello'], { cwd: ws.a, env: { ...ws.env, MEMAGENT_MODEL: 'claude-from-env' } });
    expect(flagged.code).toBe(0);
    expect(chatRequests(fake())[1].body.model).toBe('claude-from-flag');
  });

  it('MEMAGENT_MEMORY_DIR and --memory-dir still win over the data dir', async () => {
    const ws = await homeWorkspace();
    const fromEnv = await runCli(['chat', '--user', 'dan', 'My name is Dan.'], { cwd: ws.a, env: { ...ws.env, MEMAGENT_MEMORY_DIR: './mem' } });
    expect(fromEnv.code).toBe(0);
    await fs.access(path.join(ws.a, 'mem', 'dan.json'));
    const fromFlag = await runCli(['chat', '--user', 'dan', '--memory-dir', path.join(ws.root, 'flagged'), 'My name is Dan.'], {
      cwd: ws.a,
      env: { ...ws.env, MEMAGENT_MEMORY_DIR: './mem' },
    });
    expect(fromFlag.code).toBe(0);
    await fs.access(path.join(ws.root, 'flagged', 'dan.json'));
    await expect(fs.access(path.join(ws.home, '.local'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('show and export create no directories when nothing is remembered yet', async () => {
    const ws = await homeWorkspace();
    const table = await runCli(['show'], { cwd: ws.a, env: ws.env });
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(`No one is remembered yet in ${path.join(ws.home, '.local', 'share', 'memagent')}.\n`);
    expect((await runCli(['show', '--json'], { cwd: ws.a, env: ws.env })).stdout).toBe('[]\n');
    const one = await runCli(['show', '--user', 'alice'], { cwd: ws.a, env: ws.env });
    expect(one.stdout).toBe('Nothing is remembered about alice yet.\n');
    expect((await runCli(['show', '--user', 'alice', '--history'], { cwd: ws.a, env: ws.env })).code).toBe(0);
    const exported = await runCli(['export', '--user', 'alice'], { cwd: ws.a, env: ws.env });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toBe('memagent: nothing is remembered about alice yet\n');
    expect(await tree(ws.home)).toEqual([]);
    expect(await tree(ws.a)).toEqual([]);
  });

  it('an old ./memory with memory files gets a one-line hint with the real move command, once', async () => {
    const ws = await homeWorkspace();
    await new FileMemoryStore({ dir: path.join(ws.a, 'memory') }).update('alice', (m) => ({ ...m, summary: 'Alice from before' }));
    const dataDir = path.join(ws.home, '.local', 'share', 'memagent');
    const hint = `memagent: memory now lives in ${dataDir}, not ./memory; to keep what ./memory remembers, move it: mkdir -p ${dataDir} && mv ./memory/* ${dataDir}/ (or set MEMAGENT_MEMORY_DIR=./memory)\n`;

    // A read-only command shows it but creates no dir for its marker, so it is shown again.
    expect((await runCli(['show'], { cwd: ws.a, env: ws.env })).stderr).toBe(hint);
    expect(await tree(ws.home)).toEqual([]);
    const chat = await runCli(['chat', '--user', 'alice', 'hello'], { cwd: ws.a, env: ws.env });
    expect(chat.code).toBe(0);
    expect(chat.stderr.split('\n')[0]).toBe(hint.trimEnd());
    // Told once: not again, from a command that reads or one that writes.
    expect((await runCli(['show'], { cwd: ws.a, env: ws.env })).stderr).toBe('');
    const again = await runCli(['chat', '--user', 'alice', 'hello'], { cwd: ws.a, env: ws.env });
    expect(again.stderr).not.toContain('memory now lives');
    // Not for a checkout that says where its memory is.
    const ws2 = await homeWorkspace({ MEMAGENT_MEMORY_DIR: './memory' });
    await new FileMemoryStore({ dir: path.join(ws2.a, 'memory') }).update('alice', (m) => ({ ...m, summary: 'x' }));
    expect((await runCli(['show'], { cwd: ws2.a, env: ws2.env })).stderr).toBe('');
  });

  it('show --user Alice when only alice is remembered suggests alice in one line, exit 2', async () => {
    const ws = await homeWorkspace();
    expect((await runCli(['chat', '--user', 'alice', 'My name is Alice.'], { cwd: ws.a, env: ws.env })).code).toBe(0);
    const r = await runCli(['show', '--user', 'Alice'], { cwd: ws.a, env: ws.env });
    expect(r.stderr).toBe('memagent: nothing is remembered about Alice; did you mean --user alice?\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // A name like no one's is still a plain "nothing yet".
    const other = await runCli(['show', '--user', 'zed'], { cwd: ws.a, env: ws.env });
    expect(other.code).toBe(0);
    expect(other.stdout).toBe('Nothing is remembered about zed yet.\n');
  });
});

describe('the default user and command', () => {
  it('memagent alone with piped input chats as the OS user, one turn per line', async () => {
    const ws = await homeWorkspace();
    const r = await runCli([], { cwd: ws.a, env: ws.env, input: 'My name is Erin.\nsecond line\n' });
    expect(r.stderr).not.toMatch(/required|error/i);
    expect(r.code).toBe(0);
    expect(chatRequests(fake())).toHaveLength(2);
    await fs.access(path.join(ws.home, '.local', 'share', 'memagent', `${osUser}.json`));
    const shown = await runCli(['show'], { cwd: ws.b, env: ws.env });
    expect(shown.stdout.split('\n')[1]).toMatch(new RegExp(`^${osUser.replace(/[.]/g, '\\.')}\\s+1\\s`));
  });

  it('a mistyped command is an unknown command with the likely one, not a question', async () => {
    const ws = await homeWorkspace();
    const r = await runCli(['shwo'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memagent: unknown command 'shwo' (did you mean show?); to ask it as a question: memagent chat "shwo"\n`);
    expect(chatRequests(fake())).toHaveLength(0);
  });

  it('every command takes the OS user by default, restore included, and a typo of restore is caught', async () => {
    const ws = await homeWorkspace();
    for (const command of ['undo', 'restore']) {
      const r = await runCli([command], { cwd: ws.a, env: ws.env });
      expect(r.stderr, command).not.toMatch(/required option/);
      expect(r.stderr, command).toContain(` ${osUser}`);
    }
    const typo = await runCli(['restor'], { cwd: ws.a, env: ws.env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean restore?');
    expect(chatRequests(fake())).toHaveLength(0);
  });
});

describe('one-shot prompts', () => {
  it('memagent "question" prints the answer, saves memory and exits 0', async () => {
    const ws = await homeWorkspace();
    const r = await runCli(['--user', 'fay', 'My name is Fay. I live in Oslo.'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('My name is Fay. I live in Oslo.');
    expect(r.stderr).toMatch(/^\+ .*Oslo/m);
    expect(chatRequests(fake())).toHaveLength(1);
    const file = JSON.parse(await fs.readFile(path.join(ws.home, '.local', 'share', 'memagent', 'fay.json'), 'utf8'));
    expect(file.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/Oslo/);
  });

  it('piped stdin is sent as context in a fenced block before the question (memagent chat "…" too)', async () => {
    const ws = await homeWorkspace();
    const diff = 'diff --git a/x b/x\n+const s = ```;\n';
    const r = await runCli(['chat', '--user', 'gil', 'review', 'this'], { cwd: ws.a, env: ws.env, input: diff });
    expect(r.code).toBe(0);
    const reqs = chatRequests(fake());
    expect(reqs).toHaveLength(1);
    expect(lastUserText(reqs[0].body)).toBe('````\ndiff --git a/x b/x\n+const s = ```;\n````\n\nreview this');

    fake().reset();
    const bare = await runCli(['--user', 'gil', 'review this'], { cwd: ws.a, env: ws.env, input: 'some text\n' });
    expect(bare.code).toBe(0);
    expect(lastUserText(chatRequests(fake())[0].body)).toBe('```\nsome text\n```\n\nreview this');
  });

  it('a one-shot whose turn fails at the API exits 1 with one line, as pipe mode does', async () => {
    const ws = await homeWorkspace();
    const r = await runCli(['--user', 'hal', '[[fault:401]] hello'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('memagent: ') && !l.includes('saving')).length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--review with a one-shot prompt is a usage error', async () => {
    const ws = await homeWorkspace();
    const r = await runCli(['--user', 'ida', '--review', 'hello'], { cwd: ws.a, env: ws.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memagent: --review .* one-shot prompt\n$/);
    expect(chatRequests(fake())).toHaveLength(0);
  });
});
