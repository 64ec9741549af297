/**
 * memagent's own errors: each carries a one-line, user-facing message that says what to do,
 * and the process exit code. Only `src/cli/main.ts` prints them and exits; the core only throws.
 */

/** Base class. `exitCode` is what the process exits with when this error ends a command. */
export class MemagentError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The command line is wrong (bad flag, bad user id). Exit code 2, as commander and POSIX tools use. */
export class UsageError extends MemagentError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Configuration is missing or wrong (no API key, unreadable memory dir). Exit code 1. */
export class ConfigError extends MemagentError {}

/**
 * A memory file is unreadable, not JSON, invalid against the schema, too large or from a newer
 * version. The file is never overwritten while this stands. Exit code 1.
 */
export class MemoryFileError extends MemagentError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/** The memory file's lock could not be taken in time, or was lost mid-write. Exit code 1. */
export class LockError extends MemagentError {}

/** Kinds of model API failure, after the SDK's own retries are spent. */
export type ApiErrorKind =
  | 'auth'
  | 'rate_limit'
  | 'overloaded'
  | 'server'
  | 'bad_request'
  | 'not_found'
  | 'connection'
  | 'timeout'
  | 'stream'
  | 'invalid_output';

/** A model API call failed. `status` is the HTTP status when there was one. Exit code 1. */
export class ApiError extends MemagentError {
  readonly kind: ApiErrorKind;
  readonly status?: number;
  readonly requestId?: string;
  constructor(kind: ApiErrorKind, message: string, opts: { status?: number; requestId?: string } = {}) {
    super(message);
    this.kind = kind;
    this.status = opts.status;
    this.requestId = opts.requestId;
  }
}
