/**
 * The real `age` tool for interop tests: present or not, and whether its absence is a failure
 * (under CI, as for PostgreSQL: `.ci/run` installs it) rather than a skip.
 */
import { execFileSync } from 'node:child_process';
import { pgRequired } from './pg-cluster.js';

/** Whether `age` and `age-keygen` run here. */
export function hasAge(): boolean {
  try {
    execFileSync('age', ['--version'], { stdio: 'ignore' });
    execFileSync('age-keygen', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True under CI (`MEMAGENT_TEST_CI`): the interop tests then run, and fail without `age`. */
export function ageRequired(): boolean {
  return pgRequired();
}
