// Dependencies the CLI script initialises only when first used, or shortly after the REPL's prompt
// is on screen, rather than while the prompt is being drawn (issue 15).
//
// marked builds about a hundred regular expressions when it loads: ~6-13 ms (a CPU profile of
// `chat` to its prompt: `getRegex` under `src/ui/Markdown.tsx`'s initialisation), before the first
// frame, for a renderer the first frame never uses. The REPL (`src/ui/Markdown.tsx`,
// `AnswerChunks.tsx`) uses one function of it, `lexer`; here their `marked` import becomes a module
// whose `lexer` loads marked on first call (any other import fails the build), and
// which loads it anyway 300 ms after the REPL's modules load (after the prompt is drawn, before a
// person has typed a message), so the first answer does not wait for it either. esbuild turns the
// `require` below into its on-demand initialiser of the same bundled marked.
/** The importers whose `marked` import is made lazy: the REPL's modules. */
const LAZY_MARKED_IMPORTER = /[\\/]src[\\/]ui[\\/][^\\/]+\.tsx?$/;

/** esbuild plugin: the lazy marked for src/ui/. */
export const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({ filter: /^marked$/ }, (args) => (LAZY_MARKED_IMPORTER.test(args.importer) ? { path: 'marked', namespace: 'memagent-lazy' } : undefined));
    b.onLoad({ filter: /^marked$/, namespace: 'memagent-lazy' }, () => ({
      resolveDir: process.cwd(),
      loader: 'js',
      contents: [
        'let marked;',
        "const load = () => (marked ??= require('marked'));",
        'setTimeout(load, 300).unref();',
        'export function lexer(src, options) {',
        '  return load().lexer(src, options);',
        '}',
      ].join('\n'),
    }));
  },
};
