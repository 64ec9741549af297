// Builds dist/ once before the suite, so subprocess tests run the CLI as users get it.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
