// Issue 5, privacy and files: modes of everything under the memory dir, the API key nowhere on
// disk or in any output, and one user's memory never in another user's session.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeApi } from '../src/fake-api/server.js';
import { apiWorkspace, BIN, type CliResult, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';

const SECRET = 'sk-ant-test-SECRET123';

const fake = useFakeApi();

const workspace = (extra: Record<string, string> = {}) =>
  apiWorkspace(fake().url, { ANTHROPIC_API_KEY: SECRET, MEMAGENT_MAX_RETRIES: '0', ...extra });

/** Every path under `dir` (not following links), with its lstat. */
async function walk(dir: string): Promise<Array<{ path: string; mode: number; dir: boolean }>> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  for (const name of await fs.readdir(dir)) {
    const p = path.join(dir, name);
    const st = await fs.lstat(p);
    out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

/** The CLI under `umask 000`, so any file or directory created without an explicit mode shows as world-writable. */
function runLoose(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `umask 000; exec ${quoted}`], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  return collect(child, opts.input ?? '', 20_000);
}

describe('modes under the memory dir', () => {
  it('after chats, a killed session, its recovery and undo (all under umask 000): dirs 0700, files 0600', async () => {
    const ws = await workspace();
    const first = await runLoose(['chat', '--user', 'alice'], { ...ws, input: 'I live in Porto.\n' });
    expect(first.code, first.stderr).toBe(0);
    // A session killed mid-way leaves its journal (and its liveness lock) behind ...
    const quoted = [process.execPath, BIN, 'chat', '--user', 'alice'].map((a) => `'${a}'`).join(' ');
    const killed = spawn('/bin/sh', ['-c', `umask 000; exec ${quoted}`], { cwd: ws.cwd, env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const killedDone = collect(killed, null, 20_000);
    let out = '';
    killed.stdout!.on('data', (d) => (out += d));
    killed.stdin!.write('I prefer tea.\n');
    await waitFor(() => out, (o) => o.includes('You said'), 20_000);
    const leftBehind = (await walk(ws.memoryDir)).filter((e) => e.path.includes(`${path.sep}journal${path.sep}`));
    expect(leftBehind.filter((e) => !e.dir && e.path.endsWith('.jsonl')).map((e) => e.mode)).toEqual([0o600]);
    // Its lock is a directory: private too, or anyone could drop a file in it and wedge the lock
    // (a non-empty lock dir can never be removed, neither on release nor when stale).
    expect(leftBehind.filter((e) => e.path.endsWith('.jsonl.lock')).map((e) => e.mode)).toEqual([0o700]);
    killed.kill('SIGKILL');
    await killedDone;
    // ... which the next run recovers; then undo.
    const second = await runLoose(['chat', '--user', 'alice'], { ...ws, input: 'I decided to learn Portuguese.\n' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/saved 1 earlier session/);
    const undo = await runLoose(['undo', '--user', 'alice'], ws);
    expect(undo.code, undo.stderr).toBe(0);

    const entries = await walk(ws.memoryDir);
    expect((await fs.stat(ws.memoryDir)).mode & 0o777).toBe(0o700);
    // The store saved history versions, so the walk covers memory, history and journal dirs.
    expect(entries.some((e) => e.path.includes(`${path.sep}history${path.sep}alice${path.sep}`))).toBe(true);
    const wrong = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${path.relative(ws.memoryDir, e.path)} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    // No stray lock or temp file survives the clean runs.
    expect(entries.filter((e) => /\.(lock|tmp)$/.test(e.path))).toEqual([]);
  });
});

describe(`the API key (${SECRET})`, () => {
  it('appears in no output of any command, error paths included, and in no file under the memory dir', async () => {
    const ws = await workspace();
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const strict = await startFakeApi({ apiKey: 'a-different-key' });
    const outputs: CliResult[] = [];
    const run = async (args: string[], input = '', env: Record<string, string> = {}) => {
      const r = await runCli(args, { cwd: ws.cwd, env: { ...ws.env, ...env }, input });
      outputs.push(r);
      return r;
    };
    try {
      expect((await run(['chat', '--user', 'alice'], 'My name is Alice. I live in Porto.\n')).code).toBe(0);
      expect((await run(['chat', '--user', 'alice'], 'I prefer tea.\n')).code).toBe(0);
      // Error paths: a rejected key, an unknown model, nothing listening, a corrupt file, no key at all.
      const rejected = await run(['chat', '--user', 'alice'], 'hi\n', { ANTHROPIC_BASE_URL: strict.url });
      expect(rejected.stderr).toMatch(/ANTHROPIC_API_KEY/);
      expect((await run(['chat', '--user', 'alice', '--model', 'gpt-nope'], 'hi\n')).stderr).toMatch(/gpt-nope/);
      expect((await run(['chat', '--user', 'alice'], 'hi\n', { ANTHROPIC_BASE_URL: `http://127.0.0.1:${closedPort}` })).stderr).toMatch(/could not reach/);
      expect((await run(['compact', '--user', 'alice', '--yes'], '', { ANTHROPIC_BASE_URL: strict.url })).code).toBe(1);
      await run(['compact', '--user', 'alice', '--yes']);
      await run(['show']);
      await run(['show', '--user', 'alice']);
      await run(['show', '--user', 'alice', '--json']);
      await run(['show', '--user', 'alice', '--history']);
      await run(['export', '--user', 'alice', '--format', 'md']);
      await run(['undo', '--user', 'alice']);
      await run(['forget', '--user', 'alice', '--match', 'tea', '--yes']);
      await fs.writeFile(path.join(ws.memoryDir, 'broken.json'), '{"x": ');
      expect((await run(['chat', '--user', 'broken'], 'hi\n')).code).toBe(1);
      await run(['chat', '--user', 'alice', '--bogus-flag']);
      await run(['--help']);
      await run(['chat', '--user', 'alice'], 'hi\n', { ANTHROPIC_BASE_URL: 'not a url' });
      await run(['chat', '--user', 'alice'], 'hi\n', { MEMAGENT_EXIT_TIMEOUT_MS: 'soon' });
    } finally {
      await strict.close();
    }
    for (const r of outputs) {
      expect(r.stdout).not.toContain('SECRET123');
      expect(r.stderr).not.toContain('SECRET123');
    }
    // The key did reach the API (the fake saw it), so its absence above means something.
    expect(fake().requests.some((q) => JSON.stringify(q.headers).includes(SECRET))).toBe(true);
    for (const entry of await walk(ws.memoryDir)) {
      if (entry.dir) continue;
      expect(await fs.readFile(entry.path, 'utf8'), entry.path).not.toContain('SECRET123');
    }
  }, 60_000);
});

describe("one user's memory in another user's session", () => {
  it('never appears: not in the system prompt, not in the extraction request, not in the saved file', async () => {
    const ws = await workspace();
    const alice = await runCli(['chat', '--user', 'alice'], { ...ws, input: 'My name is Alice. I live in Zanzibar-Alpha.\n' });
    expect(alice.code, alice.stderr).toBe(0);
    fake().reset();
    const bob = await runCli(['chat', '--user', 'bob'], { ...ws, input: 'What do you know about me? I live in Oslo.\n' });
    expect(bob.code, bob.stderr).toBe(0);
    expect(fake().requests.length).toBeGreaterThanOrEqual(2);
    for (const request of fake().requests) expect(JSON.stringify(request.body)).not.toMatch(/Zanzibar|Alice/);
    expect(bob.stdout).not.toMatch(/Zanzibar|Alice/);
    expect(await fs.readFile(path.join(ws.memoryDir, 'bob.json'), 'utf8')).not.toMatch(/Zanzibar|Alice/);
    // And alice's own session still sees hers (the check above is not vacuous).
    fake().reset();
    await runCli(['chat', '--user', 'alice'], { ...ws, input: 'hi\n' });
    expect(JSON.stringify(fake().requests[0].body.system)).toMatch(/Zanzibar-Alpha/);
  });

  it('a live session of one user does not pick up journals of another', async () => {
    const ws = await workspace();
    // carol's session is killed, leaving a pending journal ...
    const child = startCli(['chat', '--user', 'carol'], ws);
    const done = collect(child, null, 20_000);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.write('I live in Carolton.\n');
    await waitFor(() => out, (o) => o.includes('You said'), 20_000);
    child.kill('SIGKILL');
    await done;
    fake().reset();
    // ... which dave's session neither extracts nor sees.
    const dave = await runCli(['chat', '--user', 'dave'], { ...ws, input: 'hello\n' });
    expect(dave.stderr).not.toMatch(/earlier session/);
    for (const request of fake().requests) expect(JSON.stringify(request.body)).not.toMatch(/Carolton/);
    expect((await fs.readdir(path.join(ws.memoryDir, 'journal', 'carol'))).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
  });
});
