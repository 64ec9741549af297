// The CLI ships as one script (issue 15, V8 code cache), with patches to dependencies that must not
// change what they compute: string-width, made lazy and given a fast path for simple graphemes, is
// checked here against the original on every code point of the fast path and on random text.
// commander, made to require child_process on first use, still runs an executable subcommand. zod,
// made jitless, compiles no code at run time and accepts and rejects memory files as before.
// (The yoga and Ink patches change only how modules load; every REPL test runs them.)
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { patchCommander, patchStringWidth, patchZodCore, scriptBundle, SIMPLE_GRAPHEMES } from '../scripts/script-bundle.mjs';

type StringWidth = (text: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }) => number;
let tmp: string;
let original: StringWidth;
let patched: StringWidth;

async function bundle(name: string, plugins: unknown[]): Promise<StringWidth> {
  const outfile = join(tmp, `${name}.mjs`);
  await build({
    stdin: { contents: "export { default } from 'string-width';", resolveDir: process.cwd() },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    plugins: plugins as never,
    logLevel: 'silent',
  });
  return ((await import(pathToFileURL(outfile).href)) as { default: StringWidth }).default;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'memagent-script-bundle-'));
  original = await bundle('original', []);
  patched = await bundle('patched', [scriptBundle]);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every code point of the fast path's character class. */
function simpleCodePoints(): number[] {
  const out: number[] = [];
  for (const m of (SIMPLE_GRAPHEMES as string).matchAll(/\\u([0-9A-F]{4})-\\u([0-9A-F]{4})/g)) {
    for (let c = parseInt(m[1]!, 16); c <= parseInt(m[2]!, 16); c++) out.push(c);
  }
  return out;
}

describe('string-width as bundled into the CLI', () => {
  it('the patch applies to the installed string-width (a changed dependency fails the build, not the REPL)', async () => {
    const source = await readFile(join('node_modules', 'string-width', 'index.js'), 'utf8');
    expect(patchStringWidth(source)).not.toBe(source);
  });

  it('measures every code point of the fast path as the original does, narrow and wide ambiguous', () => {
    const points = simpleCodePoints();
    expect(points.length).toBeGreaterThan(1000);
    const differ = points.filter((c) => {
      const ch = String.fromCodePoint(c);
      return patched(ch) !== original(ch) || patched(ch, { ambiguousIsNarrow: false }) !== original(ch, { ambiguousIsNarrow: false });
    });
    expect(differ.map((c) => c.toString(16))).toEqual([]);
  });

  it('measures random text (simple graphemes mixed with emoji, combining marks, CJK, Hangul, ZWJ, ANSI codes) as the original does', () => {
    const simple = simpleCodePoints().map((c) => String.fromCodePoint(c));
    const other = ['👍', '👨‍👩‍👧', '❤️', '☺', '1️⃣', '\u0301', '\u200d', '\ufe0f', '\u00ad', '中', '한', '\u1100\u1161', 'ｱ', 'ﾞ', '\u001b[31m', '\u001b[0m', '\t', '\n', '🇵🇹', '\u2028'];
    const piece = fc.oneof(fc.constantFrom(...simple), fc.constantFrom(...other), fc.constantFrom('a', ' ', '›', '·', '─'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (parts, narrow) => {
        const text = parts.join('');
        expect(patched(text, { ambiguousIsNarrow: narrow })).toBe(original(text, { ambiguousIsNarrow: narrow }));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('commander as bundled into the CLI', () => {
  /** commander bundled with the CLI's patches into a CommonJS file, and a program using it. */
  async function program(dir: string): Promise<string> {
    await build({
      stdin: { contents: "module.exports = require('commander');", resolveDir: process.cwd() },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: join(dir, 'commander.cjs'),
      plugins: [scriptBundle] as never,
      logLevel: 'silent',
    });
    // `greet` is an executable subcommand: commander runs ./prog-greet.cjs with Node.
    await writeFile(join(dir, 'prog-greet.cjs'), "process.stdout.write('hello from ' + process.argv.slice(2).join(' ') + '\\n');\n");
    const prog = join(dir, 'prog.cjs');
    await writeFile(
      prog,
      [
        "const { Command } = require('./commander.cjs');",
        "const loaded = () => process.moduleLoadList.includes('NativeModule child_process');",
        "const before = loaded();",
        "const program = new Command('prog').command('greet', 'an executable subcommand').command('local').action(() => {",
        "  process.stdout.write('child_process loaded: ' + before + ' ' + loaded() + '\\n');",
        '});',
        "program.parent.parse();",
      ].join('\n'),
    );
    return prog;
  }

  it('the patch applies to the installed commander and refuses a commander that uses child_process for more than spawn', async () => {
    const source = await readFile(join('node_modules', 'commander', 'lib', 'command.js'), 'utf8');
    expect(patchCommander(source)).not.toBe(source);
    expect(() => patchCommander(`${source}\nchildProcess.execSync('x');`)).toThrow(/no longer applies/);
    expect(() => patchCommander(source.replace("require('node:child_process')", "require('child_process')"))).toThrow(/no longer applies/);
  });

  it('loads no child_process for an ordinary command and still runs an executable subcommand', async () => {
    const dir = await mkdtemp(join(tmp, 'commander-'));
    const prog = await program(dir);
    const local = spawnSync(process.execPath, [prog, 'local'], { encoding: 'utf8' });
    expect(local.stdout).toBe('child_process loaded: false false\n');
    const greet = spawnSync(process.execPath, [prog, 'greet', 'the', 'subcommand'], { encoding: 'utf8', cwd: dir });
    expect(greet.stderr).toBe('');
    expect(greet.stdout).toBe('hello from the subcommand\n');
    expect(greet.status).toBe(0);
  });
});

describe('zod as bundled into the CLI', () => {
  it('the patch applies to the installed zod', async () => {
    const source = await readFile(join('node_modules', 'zod', 'v4', 'core', 'core.js'), 'utf8');
    expect(patchZodCore(source)).not.toBe(source);
  });

  it('validates memory files as the unbundled schema does, without compiling code at run time', async () => {
    const dir = await mkdtemp(join(tmp, 'zod-'));
    const bundled = join(dir, 'schema.cjs');
    await build({
      stdin: { contents: "module.exports = require('./src/core/schema.ts');", resolveDir: process.cwd(), loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundled,
      plugins: [scriptBundle] as never,
      logLevel: 'silent',
    });
    const { emptyMemory, memorySchema } = await import('../src/core/schema.js');
    const good = emptyMemory('ana', new Date('2025-01-02T03:04:05Z'));
    const fact = { id: 'f_1', text: 'Likes tea', kind: 'preference', confidence: 'high', status: 'active', pinned: false, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', sources: [] };
    const inputs = [
      good,
      { ...good, facts: [fact] },
      { ...good, facts: [{ ...fact, kind: 'mood' }] },
      { ...good, revision: -1 },
      { ...good, summary: 7 },
      { ...good, extra: 'kept or dropped as before' },
      'not an object',
    ];
    // In a child, with Function counting the code it compiles (zod's fast path is `new Function`).
    const program = [
      'const RealFunction = Function;',
      'let compiled = 0;',
      'globalThis.Function = function (...args) { compiled++; return new RealFunction(...args); };',
      `const { memorySchema } = require(${JSON.stringify(bundled)});`,
      `const inputs = ${JSON.stringify(inputs)};`,
      'const results = inputs.map((input) => { const r = memorySchema.safeParse(input); return r.success ? r.data : r.error.issues; });',
      'process.stdout.write(JSON.stringify({ compiled, results }));',
    ].join('\n');
    const child = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const { compiled, results } = JSON.parse(child.stdout) as { compiled: number; results: unknown[] };
    expect(compiled).toBe(0);
    const expected = inputs.map((input) => {
      const r = memorySchema.safeParse(input);
      return r.success ? r.data : r.error.issues;
    });
    expect(results).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.filter((r) => Array.isArray(r)).length).toBeGreaterThan(2);
  });
});

describe('the script as ASCII (read by the launcher as Latin-1)', () => {
  // @ts-expect-error: a plain .mjs build script without types
  const ascii = () => import('../scripts/ascii-script.mjs') as Promise<{ toAsciiScript: (source: string) => string }>;
  /** What `source` (an expression) evaluates to. */
  const value = (source: string): unknown => new Function(`return (${source});`)();

  it('escapes non-ASCII in regular expressions and comments, which then match exactly as before', async () => {
    const { toAsciiScript } = await ascii();
    const regexes = ['/[‘’‚‛′´`ʼ]/gu', '/[é-ü]+/', '/😀{2}/', '/[😀-😂]/u', '/(?:œ|æ)/iu', '/^\\s*(?:moi|usuário)\\s*:/iu'];
    const inputs = ['’', 'ʼ', 'é', 'ñü', '😀😀', '\ud83d\ude00\ude00', '😁', 'Œ', 'usuário: x', 'a'];
    for (const r of regexes) {
      const escaped = toAsciiScript(`x = 1 / 2; /* café */ y = ${r}; // naïve`);
      expect(escaped).toMatch(/^[\x00-\x7f]*$/);
      const before = value(r) as RegExp;
      const after = value(escaped.slice(escaped.indexOf('y = ') + 4, escaped.lastIndexOf(';'))) as RegExp;
      expect(after.flags).toBe(before.flags);
      for (const s of inputs) expect([r, s, after.test(s)]).toEqual([r, s, before.test(s)]);
    }
  });

  it('refuses a non-ASCII character in a tagged template, a string, code, or after a backslash, instead of changing its meaning', async () => {
    const { toAsciiScript } = await ascii();
    expect(() => toAsciiScript('String.raw`é`.length')).toThrow(/template literal/);
    expect(() => toAsciiScript('f`a${g(`ü`)}b`')).toThrow(/template literal/);
    expect(() => toAsciiScript('x = `${{ a: 1 }.a}é`')).toThrow(/template literal/);
    expect(() => toAsciiScript('x = "é"')).toThrow(/string/);
    expect(() => toAsciiScript('x = /\\é/')).toThrow(/backslash/);
    expect(() => toAsciiScript('var café = 1')).toThrow(/in code/);
    expect(toAsciiScript('x = `a${1}b` + "c"; y = /é/u')).toBe('x = `a${1}b` + "c"; y = /\\u00e9/u');
  });
});
