import { readFile } from 'node:fs/promises';
import { type Plugin, transform } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

/** `import css from './x.css?inline'`: the stylesheet as a minified string, as Vite does in tests. */
const inlineCss: Plugin = {
  name: 'inline-css',
  setup(build) {
    // The path keeps its `?inline`, so tsup's own loader for `*.css` does not take it.
    build.onResolve({ filter: /\.css\?inline$/ }, (args) => ({
      path: `${args.resolveDir}/${args.path}`,
      namespace: 'inline-css',
    }));
    build.onLoad({ filter: /.*/, namespace: 'inline-css' }, async (args) => {
      const file = args.path.replace(/\?inline$/, '');
      const { code } = await transform(await readFile(file, 'utf8'), { loader: 'css', minify: true });
      return { contents: `export default ${JSON.stringify(code.trim())};`, loader: 'js' };
    });
  },
};

const shared: Options = {
  target: 'es2022',
  sourcemap: true,
  platform: 'browser',
  esbuildPlugins: [inlineCss],
  esbuildOptions(options) {
    options.conditions = ['@closer/source'];
    options.jsx = 'automatic';
    options.jsxImportSource = 'preact';
  },
};

export default defineConfig([
  // For bundler users: `import { mount } from '@closer/widget'`; the panel is a separate chunk behind a dynamic
  // import. Preact and @preact/signals are peer dependencies, the SDK a dependency: shared with the app.
  { ...shared, entry: { index: 'src/index.ts' }, format: ['esm'], splitting: true, dts: true, clean: true },
  // The script tag: closer.js, the launcher (mounts itself from its data- attributes), and closer-panel.js,
  // which it injects from beside itself on intent. Each one self-contained and minified.
  {
    ...shared,
    entry: { closer: 'src/embed.ts', 'closer-panel': 'src/panel/script.ts' },
    format: ['iife'],
    minify: true,
    noExternal: [/.*/],
    outExtension: () => ({ js: '.js' }),
  },
]);
