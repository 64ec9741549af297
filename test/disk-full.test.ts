// A disk that fills up during a chat (issue 10, item 10) and a save that cannot land (item 12),
// for real: the memory dir is a 64 KiB tmpfs, filled and emptied by the test, under the built
// CLI in pipe mode and under tmux for the REPL. Mounting needs root: without it these tests are
// skipped with a message, except under CI, where a root that cannot mount is a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { apiWorkspace, collect, runCli, startCli, waitFor } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { capturePane, hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const BIN = fileURLToPath(new URL('../bin/memagent.js', import.meta.url));
const fake = useFakeApi();

const mounted: string[] = [];
// vitest.config.ts sets CI=false for Ink; the real value is passed as MEMAGENT_TEST_CI.
const underCi = Boolean(process.env.MEMAGENT_TEST_CI) && process.env.MEMAGENT_TEST_CI !== 'false';

/** Mounts a 64 KiB tmpfs at `dir`; false (with a message) when this machine does not allow it. */
function mountTiny(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    mounted.push(dir);
    return true;
  } catch (error) {
    const why = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    if (underCi && process.getuid?.() === 0) throw new Error(`cannot mount a tmpfs as root under CI: ${why}`);
    return false;
  }
}

// The probe is made once, before any test: every test here needs the mount.
const canMount = (() => {
  const probe = path.join(os.tmpdir(), `memagent-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    if (!mountTiny(probe)) return false;
    execFileSync('umount', [probe]);
    mounted.pop();
    return true;
  } catch (error) {
    if (underCi && process.getuid?.() === 0) throw error;
    return false;
  } finally {
    execFileSync('rm', ['-rf', probe]);
  }
})();
if (!canMount) process.stderr.write('disk-full.test.ts: skipped: mounting a tmpfs is not permitted here (needs root)\n');

afterAll(() => {
  for (const dir of mounted.reverse()) {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {
      // already unmounted
    }
  }
});

/** A workspace whose memory dir is a fresh 64 KiB tmpfs. */
async function tinyWorkspace() {
  const ws = await apiWorkspace(fake().url, { MEMAGENT_MAX_RETRIES: '0' });
  await fs.mkdir(ws.memoryDir);
  expect(mountTiny(ws.memoryDir)).toBe(true);
  return ws;
}

/** Fills the file system of `dir` to the last byte; returns the filler's path (delete it to make room). */
async function fill(dir: string): Promise<string> {
  const filler = path.join(dir, 'filler.bin');
  const handle = await fs.open(filler, 'w');
  try {
    for (const size of [4096, 512, 64, 1]) {
      for (;;) {
        try {
          await handle.write(Buffer.alloc(size, 1));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return filler;
}

const factsOf = async (memoryDir: string, user: string): Promise<string> =>
  JSON.parse(await fs.readFile(path.join(memoryDir, `${user}.json`), 'utf8'))
    .facts.map((f: { text: string }) => f.text)
    .join('\n');

// Long enough that its journal line needs a new page of the tmpfs, whatever is left in the last one.
const PADDING = ' Some more words to make this a long line.'.repeat(120);

describe.skipIf(!canMount)('the disk filling up during a chat in pipe mode', () => {
  it('one clear line, the chat goes on (the turn reaches the model), and once there is room again nothing typed is lost', async () => {
    const ws = await tinyWorkspace();
    const first = await runCli(['chat', '--user', 'dora'], { ...ws, input: 'I live in Savedtown.\n' });
    expect(first.code, first.stderr).toBe(0);

    const child = startCli(['chat', '--user', 'dora'], ws);
    const done = collect(child, null, 30_000);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.stdin!.write('I prefer apples.\n');
    await waitFor(() => out, (o) => o.includes('You said: "I prefer apples.'));
    const filler = await fill(ws.memoryDir);

    child.stdin!.write(`I prefer bananas.${PADDING}\n`);
    await waitFor(() => out, (o) => o.includes('You said: "I prefer bananas.'));
    await waitFor(() => err, (e) => e.includes("cannot write this session's journal"));
    expect(err).toMatch(/memagent: cannot write this session's journal \(ENOSPC: no space left on device.*\): the chat goes on/);
    expect(err.match(/cannot write this session's journal/g)).toHaveLength(1);

    await fs.rm(filler);
    child.stdin!.write('I prefer cherries.\n');
    await waitFor(() => out, (o) => o.includes('You said: "I prefer cherries.'));
    child.stdin!.end();
    const r = await done;

    expect(r.code, err).toBe(0);
    expect(err).toMatch(/journal is written again; nothing typed meanwhile was lost/);
    expect(err).not.toMatch(/unexpected error/);
    const facts = await factsOf(ws.memoryDir, 'dora');
    for (const fruit of ['Savedtown', 'apples', 'bananas', 'cherries']) expect(facts).toContain(fruit);
  });

  it('still full at the end: the save fails in one line with exit 1, what was saved before is untouched, the earlier turns are kept', async () => {
    const ws = await tinyWorkspace();
    const first = await runCli(['chat', '--user', 'ed'], { ...ws, input: 'I live in Savedtown.\n' });
    expect(first.code, first.stderr).toBe(0);
    const before = await fs.readFile(path.join(ws.memoryDir, 'ed.json'), 'utf8');

    const child = startCli(['chat', '--user', 'ed'], ws);
    const done = collect(child, null, 30_000);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.write('I prefer apples.\n');
    await waitFor(() => out, (o) => o.includes('You said: "I prefer apples.'));
    await fill(ws.memoryDir);
    child.stdin!.end(`I prefer bananas.${PADDING}\n`);
    const r = await done;

    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('You said: "I prefer bananas.');
    expect(r.stderr).toMatch(/could not save memory now \(2 lines of this session never reached the disk \(ENOSPC.*\) and are lost\); this session is kept and will be saved next time/);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(await fs.readFile(path.join(ws.memoryDir, 'ed.json'), 'utf8')).toBe(before);
    const journals = (await fs.readdir(path.join(ws.memoryDir, 'journal', 'ed'))).filter((n) => n.endsWith('.jsonl'));
    expect(journals).toHaveLength(1);
    expect(await fs.readFile(path.join(ws.memoryDir, 'journal', 'ed', journals[0]), 'utf8')).toContain('I prefer apples.');
  });

  it('a memory dir that turned read-only by the end: "could not save memory now" and exit 1, so a script can tell', async () => {
    const ws = await tinyWorkspace();
    const child = startCli(['chat', '--user', 'ro'], ws);
    const done = collect(child, null, 30_000);
    child.stdin!.write('I live in Readonlyville.\n');
    const jdir = path.join(ws.memoryDir, 'journal', 'ro');
    // Both lines of the turn are on disk before the file system turns read-only.
    await waitFor(
      async () => (await fs.readdir(jdir).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl')),
      (names) => names.length === 1,
    );
    const journal = async () => {
      const [name] = (await fs.readdir(jdir)).filter((n) => n.endsWith('.jsonl'));
      return fs.readFile(path.join(jdir, name), 'utf8');
    };
    await waitFor(journal, (text) => text.includes('"role":"assistant"'));
    execFileSync('mount', ['-o', 'remount,ro', ws.memoryDir]);
    child.stdin!.end();
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/could not save memory now \(.*\); this session is kept and will be saved next time/);
    expect(await journal()).toContain('Readonlyville');
  });

  it('full before the chat starts: one line, exit 1, nothing left behind', async () => {
    const ws = await tinyWorkspace();
    await fs.mkdir(path.join(ws.memoryDir, 'journal', 'fay'), { recursive: true });
    await fill(ws.memoryDir);
    const r = await runCli(['chat', '--user', 'fay'], { ...ws, input: 'hello\n' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/memagent: cannot start this session's journal .*ENOSPC.*free some space/);
    expect(await fs.readdir(path.join(ws.memoryDir, 'journal', 'fay'))).toEqual([]);
  });
});

// The REPL under tmux: the same disk, the same promises, as a person at a terminal sees them.
const SOCKET = `memagent-disk-test-${process.pid}`;
const tmux = tmuxServer(SOCKET);
const screen = (target: string) => capturePane(tmux, target);

const waitScreen = (target: string, pattern: RegExp, ms = 15_000): Promise<string> => waitForPane(tmux, target, pattern, ms);

const type = (target: string, text: string) => {
  tmux('send-keys', '-t', target, '-l', text);
  tmux('send-keys', '-t', target, 'Enter');
};

describe.skipIf(!canMount || !hasTmux)('the disk filling up during a chat in the REPL', () => {
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  });

  function startRepl(target: string, ws: { cwd: string; memoryDir: string }, user: string) {
    const env = [`ANTHROPIC_API_KEY=test-key`, `ANTHROPIC_BASE_URL=${fake().url}`, `MEMAGENT_MEMORY_DIR=${ws.memoryDir}`, 'MEMAGENT_MAX_RETRIES=0', 'TERM=xterm-256color'].join(' ');
    const script = `cd ${ws.cwd} && env -u CI -u CONTINUOUS_INTEGRATION ${env} ${process.execPath} ${BIN} chat --user ${user}; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', target, '-x', '100', '-y', '40', script);
  }

  it('tells the user in one line, keeps chatting, and saves everything once there is room (exit 0)', async () => {
    const ws = await tinyWorkspace();
    startRepl('full', ws, 'gus');
    await waitScreen('full', /This is a new user/);
    type('full', 'I prefer apples.');
    await waitScreen('full', /You said: "I prefer apples\./);
    const filler = await fill(ws.memoryDir);
    type('full', `I prefer bananas.${PADDING}`);
    await waitScreen('full', /cannot write this session's journal \(ENOSPC/);
    await waitScreen('full', /You said: "I prefer bananas\./);
    await fs.rm(filler);
    type('full', 'I prefer cherries.');
    await waitScreen('full', /You said: "I prefer cherries\./);
    type('full', '/exit');
    const end = await waitScreen('full', /EXIT=\d+/);
    expect(end).toContain('EXIT=0');
    expect(end).not.toMatch(/unexpected error/);
    const facts = await factsOf(ws.memoryDir, 'gus');
    for (const fruit of ['apples', 'bananas', 'cherries']) expect(facts).toContain(fruit);
  });

  it('a save that cannot land at /exit is reported and the REPL exits 1', async () => {
    const ws = await tinyWorkspace();
    startRepl('stuck', ws, 'hal');
    await waitScreen('stuck', /This is a new user/);
    type('stuck', 'I prefer apples.');
    await waitScreen('stuck', /You said: "I prefer apples\./);
    await fill(ws.memoryDir);
    type('stuck', `I prefer bananas.${PADDING}`);
    await waitScreen('stuck', /You said: "I prefer bananas\./);
    type('stuck', '/exit');
    const end = await waitScreen('stuck', /EXIT=\d+/);
    expect(end).toContain('EXIT=1');
    expect(end).toMatch(/never reached the disk/);
    expect(end).not.toMatch(/unexpected error/);
  });
});
