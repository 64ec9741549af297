// Dependencies the CLI script initialises only when first used, or shortly after the REPL's prompt
// is on screen, rather than while the prompt is being drawn (issue 15).
//
// marked builds about a hundred regular expressions when it loads: ~6-13 ms (a CPU profile of
// `chat` to its prompt: `getRegex` under `src/ui/Markdown.tsx`'s initialisation), before the first
// frame, for a renderer the first frame never uses. `src/ui/Markdown.tsx` uses one function of it,
// `lexer`; here its `marked` import becomes a module whose `lexer` loads marked on first call, and
// which loads it anyway 300 ms after the REPL's modules load (after the prompt is drawn, before a
// person has typed a message), so the first answer does not wait for it either. esbuild turns the
// `require` below into its on-demand initialiser of the same bundled marked.
/** The importer whose `marked` import is made lazy, and the exports it may use. */
const LAZY_MARKED_IMPORTER = /[\\/]src[\\/]ui[\\/]Markdown\.tsx$/;

/** esbuild plugin: the lazy marked for src/ui/Markdown.tsx. */
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
