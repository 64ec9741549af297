/**
 * Ending the process: the CLI's only way out. Waits for stdout and stderr to drain first: a
 * write to a pipe the reader has not emptied is queued in the process (the kernel buffer holds
 * 64 KiB), and `process.exit` would drop the queue, cutting a `show --json` or `export` piped
 * into a slow reader at exactly 65,536 bytes with exit 0.
 */

/** The streams whose queued writes must reach their reader before the process ends. */
const OUTPUTS: ReadonlyArray<NodeJS.WriteStream> = [process.stdout, process.stderr];

/**
 * Ends the process with `code` once everything written to stdout and stderr has been handed to
 * the operating system (at once when nothing is queued). A stream that fails (EPIPE: the reader
 * went away) or closes counts as drained. Returns without exiting only in the sense that the exit
 * happens later; call it last. Idempotent: the first call's code wins.
 */
export function exitWhenDrained(code: number): void {
  if (exiting) return;
  exiting = true;
  process.exitCode = code;
  const queued = OUTPUTS.filter((s) => s.writableLength > 0 && !s.destroyed);
  if (queued.length === 0) process.exit(code);
  let left = queued.length;
  const done = () => {
    if (--left === 0) process.exit(code);
  };
  for (const stream of queued) {
    let counted = false;
    const once = () => {
      if (counted) return;
      counted = true;
      done();
    };
    stream.once('drain', once);
    stream.once('error', once);
    stream.once('close', once);
  }
}

let exiting = false;

/**
 * Ends the process with `code` now, without waiting for output to drain: for a second signal,
 * when the user will not wait, and for deadlines that already passed.
 */
export function exitNow(code: number): never {
  process.exit(code);
}
