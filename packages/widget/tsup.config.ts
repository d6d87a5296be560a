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

/**
 * Pages hardened with `Object.freeze(Object.prototype)` (SES lockdown, some wallets) make a plain assignment to a
 * name the frozen prototype has (`constructor`, `valueOf`, `toString`) throw: JavaScript's "override mistake".
 * @preact/signals-core assigns `Signal.prototype.valueOf` and `.toString` that way, and Preact's `assign` copies a
 * vnode's own `constructor` key onto `{}`. Rewrite those spots to define the property instead, so the script tag
 * works on such pages (a Chromium test loads it on one). ESM users bundle their own copy of the libraries.
 */
const define = (target: string, key: string, value: string) =>
  `Object.defineProperty(${target},${key},{value:${value},writable:true,enumerable:true,configurable:true})`;
const overrideMistake: Plugin = {
  name: 'override-mistake',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/](preact|@preact[\\/]signals-core)[\\/]dist[\\/][^/\\]*\.m?js$/ },
      async (args) => {
        const code = await readFile(args.path, 'utf8');
        const contents = code
          .replace(
            /(\w+)\.prototype\.(valueOf|toString)\s*=\s*function/g,
            (_, name, key) => `${define(`${name}.prototype`, `"${key}"`, '0')}.${key}=function`,
          )
          .replace(
            /function (\w+)\((\w+),(\w+)\)\{for\(var (\w+) in \3\)\2\[\4\]=\3\[\4\];return \2\}/g,
            (_, fn, to, from, key) =>
              `function ${fn}(${to},${from}){for(var ${key} in ${from})${key}==="constructor"?${define(to, key, `${from}[${key}]`)}:${to}[${key}]=${from}[${key}];return ${to}}`,
          );
        return { contents, loader: 'js' };
      },
    );
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
    esbuildPlugins: [inlineCss, overrideMistake],
    outExtension: () => ({ js: '.js' }),
  },
]);
