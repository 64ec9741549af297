/** Whether a process exists on this host: the one `kill(pid, 0)` probe the file store's liveness checks share. */

/**
 * True if process `pid` exists on this host, a stopped one too (`kill(pid, 0)` succeeds, or
 * fails with EPERM: it exists but is another user's). False only when it provably does not
 * (ESRCH) or `pid` is not a positive integer. A reused pid reads as alive: callers fall back to
 * waiting. Never throws.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
