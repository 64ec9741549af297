/**
 * User ids name files (`<memory dir>/<userId>.json`, `history/<userId>/`, `journal/<userId>/`),
 * so they are checked before any path is built from them.
 */
import { UsageError } from './errors.js';

/** The allowed form: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Device names Windows resolves in every directory, with or without an extension (`con.txt`):
 * a memory file named after one would read or write the device, not a file.
 */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/**
 * Returns `id` unchanged if it is a safe user id; throws `UsageError` (exit code 2, one line
 * saying the allowed form) if it does not match `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, contains
 * `..`, or is a Windows reserved device name (con, prn, aux, nul, com1–9, lpt1–9, any case, any
 * extension). Pure; never touches the file system.
 */
export function validateUserId(id: string): string {
  if (typeof id !== 'string' || !USER_ID_PATTERN.test(id) || id.includes('..') || WINDOWS_RESERVED.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id) : String(id);
    throw new UsageError(
      `invalid user id ${shown}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit ` +
        `(no '..', not a Windows device name like con or nul)`,
    );
  }
  return id;
}
