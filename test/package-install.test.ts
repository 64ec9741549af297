// The package as a user installs it: `npm pack` of the dist/ the suite's global setup built (with
// --ignore-scripts: its prepack would rebuild dist/ under the other process tests running from it,
// which then found a lazily imported chunk missing), the tarball installed into an
// empty directory with only runtime dependencies, then run with npx, against the repo's fake API
// (dist/fake-api.js, a separate process, as `npm run fake-api` runs it). Needs the npm registry only
// if the package ever gets runtime dependencies again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let tmp: string;
/** Every fake API process started here, stopped after all tests. */
const fakeApis: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-pack-'));
});
afterAll(async () => {
  for (const child of fakeApis) child.kill('SIGTERM');
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Starts `node dist/fake-api.js <args>` and resolves with its URL (its first stdout line). */
function startFakeApiProcess(args = ['--port', '0'], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/fake-api.js', ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    fakeApis.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^ANTHROPIC_BASE_URL=(\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fake-api exited with ${code}`)));
  });
}

describe('the npm package', () => {
  it('packs the built CLI, installs from the tarball with no install scripts and no dependencies, and runs', { timeout: 240_000 }, async () => {
    const packDir = path.join(tmp, 'pack');
    const appDir = path.join(tmp, 'app');
    await fs.mkdir(packDir);
    await fs.mkdir(appDir);
    const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: repo, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    const files: string[] = info.files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/memagent.cjs');
    expect(files).toContain('dist/boot.cjs');
    expect(files).toContain('bin/memagent.js');
    expect(files).toContain('bin/package.json');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map'))).toEqual([]);
    // Small: the bundle and its chunks, no sources, tests or source maps.
    expect(info.size).toBeLessThan(1_500_000);

    const tarball = path.join(packDir, info.filename);
    const installed = await run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: appDir, env: npmEnv });
    expect(`${installed.stdout}${installed.stderr}`).not.toMatch(/install-scripts|warn/i);
    expect((await fs.readdir(path.join(appDir, 'node_modules'))).filter((n) => !n.startsWith('.'))).toEqual(['memagent']);

    const home = path.join(tmp, 'home');
    await fs.mkdir(home);
    const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', npm_config_update_notifier: 'false' };
    const version = await run(npx, ['--no-install', 'memagent', '--version'], { cwd: appDir, env });
    expect(version.stdout.trim()).toBe(JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')).version);

    const url = await startFakeApiProcess();
    const chat = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(npx, ['--no-install', 'memagent', 'chat', '--user', 'pat'], {
        cwd: appDir,
        env: { ...env, ANTHROPIC_API_KEY: 'fake-key', ANTHROPIC_BASE_URL: url },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin!.end('My name is Pat. I live in Porto.\n');
    });
    expect(chat.stderr).toMatch(/Memory saved: \+\d+ added/);
    expect(chat.code).toBe(0);
    expect(chat.stdout).toContain('My name is Pat');
    const memory = JSON.parse(await fs.readFile(path.join(home, '.local', 'share', 'memagent', 'pat.json'), 'utf8'));
    expect(memory.facts.map((f: { text: string }) => f.text).join('\n')).toMatch(/Porto/);
  });
});

describe('npm run fake-api', () => {
  it('listens on 8787, the port .env.example names; --port and FAKE_API_PORT still choose another', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts['fake-api']).toMatch(/dist\/fake-api\.js --default-port 8787$/);
    expect(await fs.readFile(path.join(repo, '.env.example'), 'utf8')).toMatch(/^# ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:8787 /m);

    // --default-port is the port when nothing else names one (a free port found first, not 8787,
    // which a developer's own fake may hold).
    const free = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const { FAKE_API_PORT: _, ...env } = process.env;
    expect(await startFakeApiProcess(['--default-port', String(free)], env)).toBe(`http://127.0.0.1:${free}`);
    fakeApis.at(-1)!.kill('SIGTERM');
    const chosen = await startFakeApiProcess(['--default-port', String(free)], { ...env, FAKE_API_PORT: '0' });
    expect(chosen).not.toBe(`http://127.0.0.1:${free}`);
    fakeApis.at(-1)!.kill('SIGTERM');
  });
});
