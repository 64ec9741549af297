// Runs the built CLI (bin/memagent.js) as a child process, the way a user's shell would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/memagent.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A fresh temp dir to run in (cwd) with its own memory dir; no .env of the repo is picked up. */
export async function tempWorkspace(): Promise<{ cwd: string; memoryDir: string }> {
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-e2e-'));
  return { cwd, memoryDir: path.join(cwd, 'memory') };
}

/**
 * Where a CLI child looks for the user's data and config dirs: a path that never exists, so the
 * developer's own `~/.config/memagent/.env` (a key, a model) never leaks into a test, and a test that
 * forgets MEMAGENT_MEMORY_DIR never writes into their real memory.
 */
const NO_USER_DIRS = path.join(os.tmpdir(), `memagent-test-no-user-dirs-${process.pid}`);

/** Environment for a CLI child: only what the test gives, plus PATH/HOME (no inherited ANTHROPIC_*, no user config). */
export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    XDG_CONFIG_HOME: path.join(NO_USER_DIRS, 'config'),
    XDG_DATA_HOME: path.join(NO_USER_DIRS, 'data'),
    // One code cache shared by the run's CLI children (as one user's runs share theirs).
    XDG_CACHE_HOME: path.join(NO_USER_DIRS, 'cache'),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts the CLI; stdin is a pipe (so pipe mode, never Ink). */
export function startCli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the CLI to the end with `input` on stdin. */
export function runCli(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  const child = startCli(args, opts);
  return collect(child, opts.input ?? '', opts.timeoutMs ?? 20_000);
}

/** Collects a child's output until it exits; kills it after `timeoutMs`. */
export function collect(child: ChildProcess, input: string | null, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A child that exits before reading its input (a usage error, a corrupt file) closes the pipe:
    // the EPIPE of writing to it is not the test's failure, its exit code and output are.
    child.stdin!.on('error', () => {});
    if (input !== null) child.stdin!.end(input);
  });
}

/** Resolves when `read()` satisfies `ok`, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`waitFor timed out; last value: ${JSON.stringify(v)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A fresh temp workspace whose CLI env points at the API at `baseURL` with a test key and the
 * workspace's memory dir; `extra` is added last, so it may override any of those.
 */
export async function apiWorkspace(
  baseURL: string,
  extra: Record<string, string | undefined> = {},
): Promise<{ cwd: string; memoryDir: string; env: NodeJS.ProcessEnv }> {
  const ws = await tempWorkspace();
  const env = cliEnv({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: baseURL, MEMAGENT_MEMORY_DIR: ws.memoryDir, ...extra });
  return { ...ws, env };
}

/**
 * `n` pipe-mode chats as `userId` started at once, chat `i` saying `I like fruit-<i>.`; every
 * one's turn is answered (and journaled) before any of them ends its input, so all save at exit
 * together. Resolves with their results (in start order) and when the last answer arrived
 * (`Date.now()`, ms).
 */
export async function chatCrowd(n: number, userId: string, opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ done: CliResult[]; answeredAt: number }> {
  const children = Array.from({ length: n }, () => startCli(['chat', '--user', userId], opts));
  const results = children.map((child) => collect(child, null, 45_000));
  const outs = children.map((child) => {
    const out = { text: '' };
    child.stdout!.on('data', (d) => (out.text += d));
    return out;
  });
  children.forEach((child, i) => child.stdin!.write(`I like fruit-${i}.\n`));
  await waitFor(() => outs.every((o) => o.text.includes('You said')), (ok) => ok, 30_000);
  const answeredAt = Date.now();
  for (const child of children) child.stdin!.end();
  return { done: await Promise.all(results), answeredAt };
}
