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

  it('only the file store\'s lock.ts imports proper-lockfile', () => {
    // Statically or lazily (`import('proper-lockfile')`, so read-only commands never load it).
    expect(importers(/(from |import\()['"]proper-lockfile['"]/)).toEqual(['src/core/storage/file/lock.ts']);
  });

  it('only the PostgreSQL store imports pg', () => {
    // Lazily at run time (`import('pg')`), so commands on the file store never load it.
    expect(importers(/(from |import\()['"]pg['"]/)).toEqual(['src/core/storage/postgres/postgres-store.ts']);
  });

  it('ui and cli import the core only through its public surface (core/index.ts, core/chat.ts)', () => {
    // The composition root alone reaches the file store and (lazily) the SDK adapter; main.ts
    // takes errors.ts alone so that start-up loads no zod.
    const allowed: Record<string, RegExp> = {
      'src/cli/compose.ts': /^core\/(index|storage\/(file|postgres)\/index|model)\.js$/,
      'src/cli/main.ts': /^core\/(index|errors)\.js$/,
    };
    const surface = /^core\/(index|chat)\.js$/;
    const seen: string[] = [];
    for (const file of [...sources('src/ui'), ...sources('src/cli')]) {
      for (const m of code(file).matchAll(/(?:from |import\()['"]((?:\.\.\/)+)(core\/[^'"]+)['"]/g)) {
        seen.push(m[2]);
        expect(m[2], `${file} imports ${m[2]}`).toMatch(allowed[file] ?? surface);
      }
    }
    expect(seen.length).toBeGreaterThan(10); // the check looked at real imports
  });

  it('only the composition root constructs a store', () => {
    expect(importers(/new (File|Postgres)?MemoryStore\(/)).toEqual(['src/cli/compose.ts']);
  });

  it('no path knowledge (file names, journal/ and history/ dirs) outside the file store and the composition root', () => {
    const pathy = /['"`][^'"`\n]*(\.jsonl?|\bjournal\/|\bhistory\/)[^'"`\n]*['"`]|\/\\\.jsonl?\$\//;
    const outside = sources('src').filter(
      (f) => !f.startsWith('src/core/storage/file/') && f !== 'src/cli/compose.ts' && !f.startsWith('src/fake-api/'),
    );
    for (const file of outside) {
      // Import specifiers name modules, not data: left out.
      const text = code(file).replace(/(from |import\()['"][^'"]+['"]/g, '');
      expect(text, file).not.toMatch(pathy);
    }
  });

  it('only the CLI layer ends the process or installs signal handlers', () => {
    for (const file of sources('src').filter((f) => !f.startsWith('src/fake-api/'))) {
      const text = code(file);
      const cliOnly = file === 'src/cli/exit.ts' || file === 'src/cli/signals.ts';
      if (!cliOnly) expect(text, file).not.toMatch(/process\.exit\(/);
      if (!cliOnly) expect(text, file).not.toMatch(/process\.on\(['"]SIG/);
    }
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
