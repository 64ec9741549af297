// Patches that let the CLI ship as one CommonJS script, which V8 can keep a code cache for on
// Node 20 (issue 15: Node 20 has no compile cache for ES modules; `vm.Script` with `cachedData` is
// the one way in), plus a start-up fast path in string-width. Each patch throws at build time when
// the code it replaces is not found, so a dependency update cannot silently drop it.
//
// - yoga-layout loads its WebAssembly with a top-level `await` (esbuild cannot put that in a
//   script). Emscripten's documented `Module.instantiateWasm(imports, receiveInstance)` hook lets
//   the same bytes be compiled and instantiated synchronously (`new WebAssembly.Module/Instance`;
//   Node has no size limit on synchronous compiles), after which the module object is complete.
// - Ink's reconciler awaits react-devtools and its own package.json only when `DEV=true`; the
//   bundle defines `process.env.DEV` as "false", so both are dead code, removed here.
// - string-width creates an `Intl.Segmenter` (~9 ms) and the `\p{RGI_Emoji}` regex (~13 ms to
//   create, ~20 ms to first run) when it loads and on its first non-ASCII string; the REPL's first
//   frame has `›` and `·`. Both are now made on first need, and strings of code points that are
//   each a grapheme of their own and no emoji (Latin, punctuation, arrows, box drawing) are measured
//   with the same East Asian Width table string-width uses for such a grapheme.
//   test/script-bundle.test.ts checks the patched function against the original on every one of
//   those code points and on random strings.
// - commander requires `node:child_process` when it loads (~2 ms of every start: Node does not
//   load it at its own start) for executable subcommands, which memagent has none of; the bundle's
//   commander requires it on its first `childProcess.spawn` instead.
import { readFile } from 'node:fs/promises';

function replaceOnce(source, from, to, what) {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + from.length) >= 0) throw new Error(`script-bundle: ${what} changed; the patch no longer applies`);
  return source.slice(0, at) + to + source.slice(at + from.length);
}

/**
 * Code points string-width's fast path measures one by one: each is a grapheme cluster of its
 * own next to any other of them (none is Extend, ZWJ, SpacingMark, Prepend, Control, Hangul or
 * Regional Indicator), is visible, and is not an emoji on its own, so string-width's answer for it
 * is `eastAsianWidth(codePoint)`. As a regular-expression character class (no flags needed).
 */
export const SIMPLE_GRAPHEMES = '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u2010-\\u2027\\u2030-\\u203B\\u203D-\\u2048\\u204A-\\u205E\\u2190-\\u21FF\\u2500-\\u257F';

/** The string-width 8 source with the lazy Segmenter/emoji regex and the simple-grapheme fast path. */
export function patchStringWidth(source) {
  let s = source;
  s = replaceOnce(s, 'const segmenter = new Intl.Segmenter();', 'let segmenter;', 'string-width (segmenter)');
  s = replaceOnce(s, 'segmenter.segment(string)', '(segmenter ??= new Intl.Segmenter()).segment(string)', 'string-width (segment call)');
  s = replaceOnce(s, 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', 'let rgiEmojiRegex;', 'string-width (emoji regex)');
  s = replaceOnce(s, 'rgiEmojiRegex.test(segment)', "(rgiEmojiRegex ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(segment)", 'string-width (emoji test)');
  s = replaceOnce(
    s,
    '\tlet width = 0;\n\tconst eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};\n',
    `\tlet width = 0;\n\tconst eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};\n` +
      `\tif (/^[${SIMPLE_GRAPHEMES}]*$/.test(string)) {\n` +
      `\t\tfor (let index = 0; index < string.length; index++) {\n` +
      `\t\t\twidth += eastAsianWidth(string.charCodeAt(index), eastAsianWidthOptions);\n` +
      `\t\t}\n\n\t\treturn width;\n\t}\n\n`,
    'string-width (width loop)',
  );
  return s;
}

/**
 * commander 14's lib/command.js with `node:child_process` required on the first
 * `childProcess.spawn` (an executable subcommand) instead of at load. Throws when the require is not
 * found once, or when the module uses child_process for anything but `spawn`.
 */
export function patchCommander(source) {
  const s = replaceOnce(
    source,
    "const childProcess = require('node:child_process');",
    "let childProcessModule;\nconst childProcess = { spawn: (...args) => (childProcessModule ??= require('node:child_process')).spawn(...args) };",
    'commander (child_process require)',
  );
  const uses = [...s.matchAll(/\bchildProcess\b(\.\w+)?/g)].map((m) => m[1] ?? '');
  if (uses.filter((use) => use !== '.spawn').length !== 1) throw new Error('script-bundle: commander uses child_process for more than spawn; the patch no longer applies');
  return s;
}

/**
 * zod 4's core.js with its global config starting as `{ jitless: true }`: no object schema
 * compiles a fast path with `new Function` on its first parse (code V8's cache cannot hold, so
 * every start compiled it again). Validation results are the same; only the route differs.
 */
export function patchZodCore(source) {
  return replaceOnce(
    source,
    '(_a = globalThis).__zod_globalConfig ?? (_a.__zod_globalConfig = {});',
    '(_a = globalThis).__zod_globalConfig ?? (_a.__zod_globalConfig = { jitless: true });',
    'zod core (global config)',
  );
}

/** esbuild plugin: the patches above. */
export const scriptBundle = {
  name: 'script-bundle',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]core[\\/]core\.js$/ }, async (args) => ({
      contents: patchZodCore(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => ({
      contents: patchCommander(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, async (args) => {
      let s = await readFile(args.path, 'utf8');
      s = replaceOnce(
        s,
        "import loadYoga from '../binaries/yoga-wasm-base64-esm.js';",
        "import loadYoga, { memagentYogaBytes } from '../binaries/yoga-wasm-base64-esm.js';",
        'yoga-layout (import)',
      );
      s = replaceOnce(
        s,
        'const Yoga = wrapAssembly(await loadYoga());',
        [
          'const yogaModule = {',
          '  instantiateWasm(imports, receiveInstance) {',
          '    receiveInstance(new WebAssembly.Instance(new WebAssembly.Module(memagentYogaBytes()), imports));',
          '    return {};',
          '  },',
          '};',
          'loadYoga(yogaModule);',
          "if (!yogaModule.calledRun) throw new Error('yoga-layout did not start synchronously');",
          'const Yoga = wrapAssembly(yogaModule);',
        ].join('\n'),
        'yoga-layout (top-level await)',
      );
      return { contents: s, loader: 'js' };
    });
    b.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const uri = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(source);
      if (!uri) throw new Error('script-bundle: yoga-layout changed (no inline wasm found)');
      // The bytes move to a function called once; the loader's own copy of the URI is never used
      // (instantiateWasm returns before it is read), so it is left empty rather than kept twice.
      const contents = `${replaceOnce(source, uri[0], '""', 'yoga-layout (wasm)')}\nexport function memagentYogaBytes() { return Buffer.from(${JSON.stringify(uri[1])}, 'base64'); }\n`;
      return { contents, loader: 'js' };
    });
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, async (args) => {
      let s = await readFile(args.path, 'utf8');
      const start = s.indexOf("if (isDev()) {\n    try {\n        await import('./devtools.js');");
      const end = start < 0 ? -1 : s.indexOf('\n}\n', start);
      if (end < 0) throw new Error('script-bundle: ink reconciler changed (devtools block)');
      s = `${s.slice(0, start)}// react-devtools: only with DEV=true, which the bundle defines as "false".${s.slice(end + 2)}`;
      s = replaceOnce(
        s,
        'const packageJson = isDev()\n    ? await loadPackageJson()\n    : { name: undefined, version: undefined };',
        'const packageJson = { name: undefined, version: undefined };',
        'ink reconciler (package.json)',
      );
      return { contents: s, loader: 'js' };
    });
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => ({
      contents: patchStringWidth(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
