// Issue 13, encryption at rest, through the real CLI: turned on with `memagent keygen`, nothing a
// user said is readable in the memory dir after sessions, a killed session, undo and forget; the
// `age` tool reads the files; a wrong or missing identity is one line and nothing is overwritten;
// `encrypt`/`decrypt` convert a dir in place; 20 sessions ending together all land, encrypted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ageCipher, isAgeFile, parseIdentity } from '../src/core/storage/file/age-cipher.js';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { ageRequired, hasAge } from './helpers/age.js';
import { BIN, apiWorkspace, chatCrowd, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { capturePane, hasTmux, tmuxServer } from './helpers/tmux.js';
import { extractRequests, useFakeApi } from './helpers/fake.js';

const fake = useFakeApi();

/** Every regular file under `dir`, recursively, with its bytes. */
async function files(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out.push({ path: p, bytes: await fs.readFile(p) });
  }
  return out;
}

/** `path: needle` for every needle found in plain text (any case) in any file under `dir`. */
async function plaintextHits(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const { path: p, bytes } of await files(dir)) {
    const text = bytes.toString('utf8').toLowerCase();
    for (const n of needles) if (text.includes(n.toLowerCase())) hits.push(`${path.relative(dir, p)}: ${n}`);
  }
  return hits;
}

/** A workspace with an identity file (made by `memagent keygen`) named by MEMAGENT_IDENTITY_FILE. */
async function encryptedWorkspace(extra: Record<string, string> = {}) {
  const base = await apiWorkspace(fake().url);
  const identityFile = path.join(base.cwd, 'keys', 'identity.txt');
  const env = { ...base.env, MEMAGENT_IDENTITY_FILE: identityFile, ...extra };
  return { ...base, env, identityFile };
}

describe('memagent keygen', () => {
  it('writes a 0600 identity, prints only its public key, and never overwrites it', async () => {
    const ws = await encryptedWorkspace();
    const r = await runCli(['keygen'], ws);
    expect(r.code, r.stderr).toBe(0);
    const text = await fs.readFile(ws.identityFile, 'utf8');
    const identity = parseIdentity(text);
    expect(r.stdout).toContain(identity.recipient);
    expect(r.stdout).toContain(ws.identityFile);
    expect(r.stdout + r.stderr).not.toMatch(/AGE-SECRET-KEY/);
    expect((await fs.stat(ws.identityFile)).mode & 0o777).toBe(0o600);

    const again = await runCli(['keygen'], ws);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([`memagent: ${ws.identityFile} already exists: memagent never overwrites an identity (what is encrypted to it could not be read again); move it away first, or set MEMAGENT_IDENTITY_FILE to another path`]);
    expect(await fs.readFile(ws.identityFile, 'utf8')).toBe(text);
  });
});

describe('with encryption on', () => {
  it('nothing said is readable in the memory dir after sessions, a SIGKILLed session, undo and forget', async () => {
    const ws = await encryptedWorkspace();
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    const first = await runCli(['chat', '--user', 'quentin'], { ...ws, input: 'My name is Quentin Marlowe.\nI live in Vardo.\nmy password is hunter2secret\nthe vault word is bluefinch\n' });
    expect(first.code, first.stderr).toBe(0);

    // A session killed mid-way: its journal is on disk, encrypted.
    const killed = startCli(['chat', '--user', 'quentin'], ws);
    const killedDone = collect(killed, null, 20_000);
    let out = '';
    killed.stdout!.on('data', (d) => (out += d));
    killed.stdin!.write('I prefer kumquats.\n');
    await waitFor(() => out, (o) => o.includes('You said'), 20_000);
    killed.kill('SIGKILL');
    await killedDone;
    const journals = (await files(path.join(ws.memoryDir, 'journal'))).filter((f) => f.path.endsWith('.jsonl'));
    expect(journals).toHaveLength(1);
    expect(isAgeFile(journals[0].bytes)).toBe(true);

    const second = await runCli(['chat', '--user', 'quentin'], { ...ws, input: 'I decided to buy a sailboat.\n' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/saved 1 earlier session/);
    const undo = await runCli(['undo', '--user', 'quentin'], ws);
    expect(undo.code, undo.stderr).toBe(0);
    const shown = await runCli(['show', '--user', 'quentin', '--all'], ws);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Quentin Marlowe/);
    expect(shown.stdout).toMatch(/kumquats/);
    expect(shown.stdout).not.toMatch(/Encryption:/); // no mixed state to report

    // The secret key is in the identity file only: in no file of the memory dir, in no output.
    const secretKey = (await fs.readFile(ws.identityFile, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    const needles = ['Quentin', 'Marlowe', 'Vardo', 'kumquats', 'sailboat', 'bluefinch', 'hunter2secret', secretKey, secretKey.toLowerCase()];
    for (const r of [first, second, undo, shown]) expect(r.stdout + r.stderr).not.toContain(secretKey);
    expect(await plaintextHits(ws.memoryDir, needles)).toEqual([]);

    const forget = await runCli(['forget', '--user', 'quentin', '--match', 'kumquats', '--yes'], ws);
    expect(forget.code, forget.stderr).toBe(0);
    expect(await plaintextHits(ws.memoryDir, needles)).toEqual([]);
    // A forgotten fact leaves no decryptable trace either.
    const cipher = ageCipher(parseIdentity(await fs.readFile(ws.identityFile, 'utf8')));
    const all = await files(ws.memoryDir);
    for (const f of all) {
      if (/\.lock|epoch$/.test(f.path)) continue;
      expect(f.path).not.toMatch(/\.tmp$|rw-lock$/); // the killed session's leftovers went with its journal
      expect(isAgeFile(f.bytes), f.path).toBe(true);
      expect(cipher.open(f.path, f.bytes).toString('utf8'), f.path).not.toMatch(/kumquats/i);
    }
    expect(all.some((f) => f.path.includes(`${path.sep}history${path.sep}`))).toBe(true);
  });

  it.skipIf(!hasAge() && !ageRequired())('the memory file decrypts with `age -d -i` alone, and one the age tool encrypted is read', async () => {
    const ws = await encryptedWorkspace();
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    expect((await runCli(['chat', '--user', 'rosa'], { ...ws, input: 'I live in Quito.\n' })).code).toBe(0);
    const file = path.join(ws.memoryDir, 'rosa.json');
    const plain = execFileSync('age', ['-d', '-i', ws.identityFile, file]);
    expect(JSON.parse(plain.toString()).facts.map((f: { text: string }) => f.text)).toEqual(['I live in Quito.']);
    // The other way: the user re-encrypts it with `age -r <their public key>` (ASCII armor too).
    const recipient = execFileSync('age-keygen', ['-y', ws.identityFile]).toString().trim();
    execFileSync('age', ['-a', '-r', recipient, '-o', file], { input: plain });
    const shown = await runCli(['show', '--user', 'rosa'], ws);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/I live in Quito/);
  });

  it('a wrong or missing identity: one line naming the file and what to do, exit 1, nothing overwritten', async () => {
    const ws = await encryptedWorkspace();
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    expect((await runCli(['chat', '--user', 'sam'], { ...ws, input: 'I live in Lagos.\n' })).code).toBe(0);
    const file = path.join(ws.memoryDir, 'sam.json');
    const before = await fs.readFile(file);
    const other = path.join(ws.cwd, 'other.txt');
    expect((await runCli(['keygen'], { ...ws, env: { ...ws.env, MEMAGENT_IDENTITY_FILE: other } })).code).toBe(0);
    const wrong = { ...ws, env: { ...ws.env, MEMAGENT_IDENTITY_FILE: other } };
    const none = { ...ws, env: { ...ws.env, MEMAGENT_IDENTITY_FILE: undefined } };
    for (const [who, args] of [
      [wrong, ['show', '--user', 'sam']],
      [wrong, ['chat', '--user', 'sam']],
      [wrong, ['undo', '--user', 'sam']],
      [none, ['show', '--user', 'sam']],
      [none, ['chat', '--user', 'sam']],
    ] as const) {
      const r = await runCli([...args], { ...who, input: 'I prefer rain.\n' });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('memagent: '));
      expect(lines.some((l) => l.startsWith(`memagent: ${file}: is encrypted`) && l.includes('MEMAGENT_IDENTITY_FILE')), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect((await fs.readFile(file)).equals(before)).toBe(true);
    }
    const missing = await runCli(['show', '--user', 'sam'], { ...ws, env: { ...ws.env, MEMAGENT_IDENTITY_FILE: path.join(ws.cwd, 'gone.txt') } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/gone\.txt: no such identity file .*memagent keygen/);
  });

  it('encrypt --all converts an existing memory dir in place (show reports the mixed state first), again changes nothing, decrypt goes back', async () => {
    const ws = await encryptedWorkspace();
    // Remembered before there was an identity (none configured: plaintext).
    const plain = { ...ws, env: { ...ws.env, MEMAGENT_IDENTITY_FILE: undefined } };
    for (const user of ['tom', 'uma']) {
      expect((await runCli(['chat', '--user', user], { ...plain, input: `I live in ${user === 'tom' ? 'Bergen' : 'Cusco'}.\nI prefer tea.\n` })).code).toBe(0);
    }
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    const shown = await runCli(['show', '--user', 'tom'], ws);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Encryption: 0 of \d+ files encrypted, \d+ still plaintext \(`memagent encrypt --user tom` finishes it\)/);

    const enc = await runCli(['encrypt', '--all'], ws);
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toMatch(/^tom: \d+ files encrypted, 0 already encrypted\numa: \d+ files encrypted, 0 already encrypted\n$/);
    expect(await plaintextHits(ws.memoryDir, ['Bergen', 'Cusco', 'tea'])).toEqual([]);
    const again = await runCli(['encrypt', '--all'], ws);
    expect(again.stdout).toMatch(/^tom: 0 files encrypted, \d+ already encrypted\n/);
    expect((await runCli(['show', '--user', 'tom'], ws)).stdout).not.toMatch(/Encryption:/);

    const dec = await runCli(['decrypt', '--user', 'uma'], ws);
    expect(dec.code, dec.stderr).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(ws.memoryDir, 'uma.json'), 'utf8')).facts.map((f: { text: string }) => f.text)).toContain('I live in Cusco.');
    const usage = await runCli(['encrypt'], ws);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe('memagent: encrypt needs --user <id> or --all (one of them)');
  });

  // Each run that unlocks the identity pays scrypt at age's work factor (about 1 s idle, 3-5 s on
  // a loaded 2-core machine): generous per-run timeouts, no timing asserted.
  it('a passphrase-protected identity is unlocked with MEMAGENT_PASSPHRASE; without it and without a terminal, one line and exit 1', async () => {
    const ws = await encryptedWorkspace({ MEMAGENT_PASSPHRASE: 'orchid lantern 42' });
    const slow = { timeoutMs: 90_000 };
    expect((await runCli(['keygen', '--passphrase'], { ...ws, ...slow })).code).toBe(0);
    expect(await fs.readFile(ws.identityFile, 'utf8')).not.toMatch(/AGE-SECRET-KEY/);
    const chat = await runCli(['chat', '--user', 'vic'], { ...ws, ...slow, input: 'I live in Hobart.\n' });
    expect(chat.code, chat.stderr).toBe(0);
    expect(isAgeFile(await fs.readFile(path.join(ws.memoryDir, 'vic.json')))).toBe(true);
    const noPass = await runCli(['show', '--user', 'vic'], { ...ws, env: { ...ws.env, MEMAGENT_PASSPHRASE: undefined } });
    expect(noPass.code).toBe(1);
    expect(noPass.stderr.trim()).toBe(`memagent: ${ws.identityFile}: the age identity is passphrase-protected: set MEMAGENT_PASSPHRASE, or run memagent on a terminal to be asked`);
    const wrongPass = await runCli(['show', '--user', 'vic'], { ...ws, ...slow, env: { ...ws.env, MEMAGENT_PASSPHRASE: 'tulip' } });
    expect(wrongPass.code).toBe(1);
    expect(wrongPass.stderr).toMatch(/could not be unlocked: wrong passphrase/);
    expect(wrongPass.stderr).not.toMatch(/tulip|orchid/);
  }, 300_000);
});

describe.skipIf(!hasTmux)('a passphrase asked on a terminal', () => {
  const tmux = tmuxServer(`memagent-enc-${process.pid}`);
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // never started
    }
  });

  it('is asked once, not echoed, and unlocks the identity; a wrong one is one line and exit 1', async () => {
    const ws = await encryptedWorkspace({ MEMAGENT_PASSPHRASE: 'heron 7 quay' });
    expect((await runCli(['keygen', '--passphrase'], { ...ws, timeoutMs: 90_000 })).code).toBe(0);
    expect((await runCli(['chat', '--user', 'wes'], { ...ws, input: 'I live in Lund.\n', timeoutMs: 90_000 })).code).toBe(0);
    const inTerminal = async (typed: string): Promise<{ screen: string; code: number }> => {
      const name = `p${Math.random().toString(36).slice(2, 8)}`;
      const done = path.join(ws.cwd, `${name}.code`);
      const env = Object.entries({ ...ws.env, MEMAGENT_PASSPHRASE: undefined })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      const command = `env -i ${env} TERM=xterm ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} show --user wes; echo $? > ${JSON.stringify(done)}; sleep 60`;
      tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '40', '-c', ws.cwd, 'sh', '-c', command);
      const screen = () => capturePane(tmux, name);
      await waitFor(screen, (t) => t.includes('passphrase for'), 20_000);
      tmux('send-keys', '-t', name, '-l', typed);
      tmux('send-keys', '-t', name, 'Enter');
      const code = Number((await waitFor(() => fs.readFile(done, 'utf8').catch(() => ''), (t) => t.trim() !== '', 90_000)).trim());
      const final = screen();
      tmux('kill-session', '-t', name);
      return { screen: final, code };
    };
    const right = await inTerminal('heron 7 quay');
    expect(right.code, right.screen).toBe(0);
    expect(right.screen).toMatch(/I live in Lund/);
    expect(right.screen.match(/passphrase for/g)).toHaveLength(1);
    expect(right.screen).not.toContain('heron');
    const wrong = await inTerminal('egret');
    expect(wrong.code).toBe(1);
    expect(wrong.screen).toMatch(/identity\.txt: the age identity file could not be unlocked: wrong passphrase/);
    expect(wrong.screen).not.toContain('egret');
  }, 300_000);
});

describe('20 CLI sessions of one user ending together, encrypted', () => {
  const N = 20;

  it(`all ${N} land: every fact once, revision +${N}, every file an age file, nothing left behind`, async () => {
    const ws = await encryptedWorkspace();
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    const cipher = ageCipher(parseIdentity(await fs.readFile(ws.identityFile, 'utf8')));
    const store = new FileMemoryStore({ dir: ws.memoryDir, cipher });
    const { done } = await chatCrowd(N, 'crowd', ws);
    for (const r of done) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Memory saved: \+1 added/);
    }
    expect(extractRequests(fake())).toHaveLength(N);
    const { memory } = await store.load('crowd');
    expect(memory.revision).toBe(N);
    expect(memory.facts.map((f) => f.text).sort()).toEqual(Array.from({ length: N }, (_, i) => `I like fruit-${i}.`).sort());
    const all = await files(ws.memoryDir);
    expect(all.filter((f) => /\.(lock|tmp|rw-lock)$/.test(f.path))).toEqual([]);
    for (const f of all) if (!/\.lock|epoch$/.test(f.path)) expect(isAgeFile(f.bytes), f.path).toBe(true);
    expect(await plaintextHits(ws.memoryDir, ['fruit-'])).toEqual([]);
  }, 60_000);
});

describe('memagent migrate with encryption on', () => {
  it('writes the copy encrypted too: no plaintext in the target directory, and the copy reads back', async () => {
    const ws = await encryptedWorkspace();
    expect((await runCli(['keygen'], ws)).code).toBe(0);
    const chat = await runCli(['chat', '--user', 'mira'], { ...ws, input: 'I live in Tromsoe.\n' });
    expect(chat.code, chat.stderr).toBe(0);
    const target = path.join(ws.cwd, 'copy');
    const r = await runCli(['migrate', '--to', target, '--user', 'mira'], ws);
    expect(r.code, r.stderr).toBe(0);
    const copied = await files(target);
    expect(copied.length).toBeGreaterThan(0);
    for (const f of copied) if (!/\.lock|epoch$/.test(f.path)) expect(isAgeFile(f.bytes), f.path).toBe(true);
    expect(await plaintextHits(target, ['Tromsoe'])).toEqual([]);
    const shown = await runCli(['show', '--user', 'mira', '--memory-dir', target], ws);
    expect(shown.stdout).toContain('I live in Tromsoe.');
  });
});
