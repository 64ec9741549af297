// Output piped into a slow reader arrives whole: the CLI exits only once stdout has drained.
// (It used to exit while the rest of a large `export` or `show --json` was still queued in the
// process, so a reader that started late got exactly 65,536 bytes, and exit 0.)
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMemoryStore } from '../src/core/storage/file/file-store.js';
import { BIN, tempWorkspace } from './helpers/cli.js';
import { makeFact } from './helpers/memory.js';

const run = promisify(execFile);
const AT = '2026-03-01T10:00:00.000Z';
let ws: { cwd: string; memoryDir: string };
let fileBytes: number;

beforeAll(async () => {
  ws = await tempWorkspace();
  const store = new FileMemoryStore({ dir: ws.memoryDir });
  // ~1 MB: 1000 facts of 450-char texts and quotes.
  const facts = Array.from({ length: 1000 }, (_, i) => makeFact(`f${i}`, `${i} ${'fact text '.repeat(45)}`.slice(0, 450), AT));
  await store.update('big', (m) => ({ ...m, facts }));
  fileBytes = (await fs.stat(path.join(ws.memoryDir, 'big.json'))).size;
});
afterAll(async () => {
  await fs.rm(ws.cwd, { recursive: true, force: true });
});

/** Runs `memagent <args>` into a reader that starts 0.3 s late; returns the bytes it got and the CLI's exit code. */
async function throughSlowPipe(args: string[]): Promise<{ bytes: number; code: number }> {
  const codeFile = path.join(ws.cwd, `code-${args.join('-')}`);
  const script = 'bin="$1"; shift; ("$0" "$bin" "$@"; echo $? > "$CODE_FILE") | (sleep 0.3; wc -c)';
  const { stdout } = await run('sh', ['-c', script, process.execPath, BIN, ...args], {
    cwd: ws.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', MEMAGENT_MEMORY_DIR: ws.memoryDir, CODE_FILE: codeFile },
  });
  return { bytes: Number(stdout.trim()), code: Number((await fs.readFile(codeFile, 'utf8')).trim()) };
}

describe('output through a slow pipe', () => {
  it('a 1 MB export arrives whole, exit 0', async () => {
    expect(fileBytes).toBeGreaterThan(1_000_000);
    const { bytes, code } = await throughSlowPipe(['export', '--user', 'big']);
    expect(code).toBe(0);
    expect(bytes).toBe(fileBytes);
  });

  it('show --json of a 1 MB memory arrives whole, exit 0', async () => {
    const { bytes, code } = await throughSlowPipe(['show', '--user', 'big', '--json']);
    expect(code).toBe(0);
    expect(bytes).toBe(fileBytes);
  });
});
