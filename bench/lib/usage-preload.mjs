// Loaded with `node --import` into a measured process: at exit, appends one JSON line with the
// process's own resource usage (user/system CPU in µs, peak RSS in KiB, all threads) to the file
// named by BENCH_USAGE_OUT. `exit` listeners also run on process.exit(), so every path is covered.
import { appendFileSync } from 'node:fs';

const out = process.env.BENCH_USAGE_OUT;
if (out) {
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    appendFileSync(out, `${JSON.stringify({ pid: process.pid, code, userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKiB: u.maxRSS, uptimeMs: process.uptime() * 1000 })}\n`);
  });
}
