// Child-process helpers: spawn with timestamps on every output chunk, wait for bytes or text,
// read a live child's CPU time from /proc, and run a command in a pseudo-terminal via
// util-linux `script`.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const now = () => performance.now();

/** Single-quotes `s` for sh. */
export function shq(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** True when util-linux `script` (with -q -f -c) is available for pseudo-terminal runs. */
export function hasScript() {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /util-linux/.test(`${r.stdout}${r.stderr}`);
}

/**
 * CPU time (user + system, all threads) a live process has used so far, in ms, from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds). Falls back to /proc/<pid>/stat (clock ticks,
 * 10 ms) when schedstat is missing. Null when the process is gone.
 */
export function cpuMsOf(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread ended between readdir and read
      }
    }
    if (ns > 0) return ns / 1e6;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Waits until process `pid` is idle (its CPU time grows by less than `epsMs` over `intervalMs`)
 * and returns its CPU time then, so background JIT compiles and GC of the previous step are not
 * counted in the next one. Gives up after `maxMs` and returns the last reading.
 */
export async function settledCpuMs(pid, { intervalMs = 40, epsMs = 0.5, maxMs = 3000 } = {}) {
  const deadline = performance.now() + maxMs;
  let last = cpuMsOf(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const cur = cpuMsOf(pid);
    if (cur === null || last === null) return cur ?? last;
    if (cur - last < epsMs || performance.now() > deadline) return cur;
    last = cur;
  }
}

/** Children still running, so a failed run can end them (only processes this bench started). */
const live = new Set();

/** Kills every `Child` that has not exited yet (e.g. when a section failed half-way). */
export function killAll() {
  for (const child of live) child.kill();
}

/**
 * A spawned child whose stdout (and stderr) chunks are kept with arrival times
 * (performance.now()). Runs in its own process group so `kill()` also ends what it started
 * (e.g. the program `script` runs).
 */
export class Child {
  constructor(command, args, { env, cwd, timeoutMs = 60_000 } = {}) {
    this.startedAt = now();
    this.proc = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.pid = this.proc.pid;
    live.add(this);
    this.chunks = [];
    this.text = '';
    this.bytes = 0;
    this.stderr = '';
    this.firstByteAt = null;
    this.lastByteAt = null;
    this.waiters = [];
    // A decoder, so a multi-byte character split across two chunks is not garbled.
    const decoder = new StringDecoder('utf8');
    this.proc.stdin.on('error', () => {});
    this.proc.stdout.on('data', (d) => {
      const t = now();
      if (this.firstByteAt === null) this.firstByteAt = t;
      this.lastByteAt = t;
      this.chunks.push({ t, at: this.bytes, len: d.length });
      this.bytes += d.length;
      this.text += decoder.write(d);
      this.check();
    });
    this.stderrChunks = [];
    this.proc.stderr.on('data', (d) => {
      this.stderrChunks.push({ t: now(), text: d.toString('utf8') });
      this.stderr += d.toString('utf8');
      this.check();
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitAt = now();
        resolve({ code, signal, t: this.exitAt });
      });
    });
    // Output can still arrive after 'exit'; waiters give up only once stdio is closed.
    this.closed = new Promise((resolve) => {
      this.proc.on('close', () => {
        this.isClosed = true;
        resolve();
      });
    });
    this.timer = setTimeout(() => this.kill(), timeoutMs);
    this.timer.unref();
    this.exited.then(() => {
      clearTimeout(this.timer);
      live.delete(this);
    });
    this.closed.then(() => {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`child exited before ${w.what}; stderr: ${this.stderr.slice(-500)}`));
      }
    });
  }

  check() {
    this.waiters = this.waiters.filter((w) => {
      const hit = w.test();
      if (hit !== false) {
        clearTimeout(w.timer);
        w.resolve(hit);
        return false;
      }
      return true;
    });
  }

  /** Resolves with a value once `test()` returns something other than false (checked on each chunk of stdout or stderr). */
  waitFor(what, test, timeoutMs = 60_000) {
    const hit = test();
    if (hit !== false) return Promise.resolve(hit);
    if (this.isClosed) return Promise.reject(new Error(`child already exited before ${what}`));
    return new Promise((resolve, reject) => {
      const w = { what, test, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-500)}; stdout tail: ${JSON.stringify(this.text.slice(-300))}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Waits until stdout holds at least `n` bytes; resolves with the arrival time of the byte that crossed it. */
  waitBytes(n, timeoutMs) {
    return this.waitFor(`${n} bytes of output`, () => (this.bytes >= n ? this.lastByteAt : false), timeoutMs);
  }

  /** Waits until stdout (from character `from`) matches `re`; resolves with the time of the matching chunk. */
  waitText(re, from = 0, timeoutMs) {
    return this.waitFor(`output matching ${re}`, () => (re.test(this.text.slice(from)) ? this.lastByteAt : false), timeoutMs);
  }

  /** Waits until no output has arrived for `quietMs`; resolves with the time of the last chunk. */
  async waitQuiet(quietMs, timeoutMs = 60_000) {
    const deadline = now() + timeoutMs;
    for (;;) {
      const last = this.lastByteAt ?? this.startedAt;
      const idle = now() - last;
      if (idle >= quietMs) return last;
      if (now() > deadline) throw new Error('timed out waiting for quiet output');
      await new Promise((r) => setTimeout(r, Math.max(5, quietMs - idle)));
    }
  }

  write(s) {
    this.proc.stdin.write(s);
  }

  end() {
    this.proc.stdin.end();
  }

  /** Ends the child's whole process group (only processes this bench started). */
  kill(signal = 'SIGKILL') {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `shellCommand` in a pseudo-terminal of `rows`×`cols` through `script -qfc`, as a `Child`
 * whose stdout is what the terminal would show and whose stdin is what the user types.
 */
export function ptyChild(shellCommand, { env, cwd, rows = 40, cols = 100, timeoutMs } = {}) {
  const cmd = `stty rows ${rows} cols ${cols} 2>/dev/null; exec ${shellCommand}`;
  return new Child('script', ['-qfc', cmd, '/dev/null'], { env: { TERM: 'xterm-256color', ...env }, cwd, timeoutMs });
}

/** Spawns and waits for exit; resolves with the wall time (ms) from spawn to exit. Output is discarded. */
export function timeToExit(command, args, { env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const p = spawn(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      const t = now() - t0;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-400)}`));
      else resolve(t);
    });
  });
}
