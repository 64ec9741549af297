/**
 * The directories memagent writes into under the memory dir (`journal/<id>/`, `history/<id>/`)
 * must stay inside it after symlinks are resolved: a symlink planted at `memory/journal` or
 * `memory/history/alice` would otherwise send journals, earlier versions and input history
 * somewhere else on disk (issue 5: no path built from input escapes the memory dir). The memory
 * dir itself may be a symlink: both sides are compared as real paths.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { MemoryFileError } from '../../errors.js';

/** True if `target` is strictly below `dir` (both absolute, same form: compare real paths). */
export function isInside(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel !== '' && !isAbsolute(rel) && rel.split(/[\\/]/)[0] !== '..';
}

/**
 * Checks that `path` (below `root`) resolves to a place inside `root`. When `path` does not exist
 * yet, its nearest existing ancestor is checked instead (it must be `root` or inside it), since
 * creating `path` later would follow the same links.
 * A missing `root` passes (nothing below it exists).
 * @throws MemoryFileError when it resolves outside `root`; the fs error if `root` is unreadable.
 */
export async function assertContained(root: string, path: string): Promise<void> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no memory dir: nothing below it either
    throw err;
  }
  let real: string | undefined;
  let missing = false;
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      real = await realpath(p);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      missing = true;
    }
  }
  const ok = isInside(realRoot, real) || (missing && real === realRoot);
  if (!ok) {
    throw new MemoryFileError(path, `leads outside the memory dir (to ${real}) through a symlink; refusing (remove the link)`);
  }
}

/**
 * Creates `dir` (below `root`, mode 0o700, with parents) and checks it is inside `root` after
 * resolving symlinks.
 * @returns `dir`.
 * @throws MemoryFileError when it resolves outside `root`; the fs error if it cannot be created.
 */
export async function containedDir(root: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await assertContained(root, dir);
  return dir;
}
