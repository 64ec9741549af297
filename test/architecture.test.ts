// The layering rules of STYLE.md, checked mechanically: core has no UI, CLI or environment in it,
// and each outside thing has one owner.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx)$/.test(f))
    .map((f) => path.join(dir, f));
}
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
/** Source without comments, so a doc comment that mentions `process.env` does not count. */
const code = (f: string) => read(f).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
const importers = (pkg: RegExp) => [...sources('src')].filter((f) => pkg.test(read(f))).sort();

describe('architecture', () => {
  it('core imports no ink, react, commander or dotenv, and never reads process.env', () => {
    for (const file of sources('src/core')) {
      const text = code(file);
      expect(text, file).not.toMatch(/from ['"](ink|react|commander|dotenv)['"/]/);
      expect(text, file).not.toMatch(/process\.env/);
    }
  });

  it('only the model adapter imports the SDK (the fake API is test infrastructure)', () => {
    expect(importers(/(from |import\()['"]@anthropic-ai\/sdk/).filter((f) => !f.startsWith('src/fake-api'))).toEqual(['src/core/model.ts']);
  });

  it('only lock.ts imports proper-lockfile', () => {
    // Statically or lazily (`import('proper-lockfile')`, so read-only commands never load it).
    expect(importers(/(from |import\()['"]proper-lockfile['"]/)).toEqual(['src/core/lock.ts']);
  });

  it('the UI reaches the SDK only through the core', () => {
    for (const file of sources('src/ui')) expect(read(file), file).not.toMatch(/@anthropic-ai\/sdk|proper-lockfile/);
  });

  it('tests and sources never read the shared reference folder (users do not have it)', () => {
    for (const file of [...sources('src'), ...sources('test')].filter((f) => !f.endsWith('architecture.test.ts'))) {
      expect(read(file), file).not.toMatch(/\.\.\/shared|work\/shared/);
    }
  });
});
