// `pnpm size`: what a browser downloads for each published entry, bundled with its dependencies, minified,
// brotli-compressed, against its budget. Fails when a budget is exceeded.
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

interface Budget {
  entry: string;
  label: string;
  maxBytes: number;
}

const budgets: Budget[] = [
  { entry: 'packages/sdk/dist/chat.js', label: '@closer/sdk/chat', maxBytes: 6 * 1024 },
  // 22 KB since knowledge sources joined the client (21 KB with members and invitations; docs/benchmarks.md).
  { entry: 'packages/sdk/dist/index.js', label: '@closer/sdk', maxBytes: 22 * 1024 },
  // What every page downloads before any visitor shows interest: the launcher (bubble, stub queue, badge,
  // proactive timer, configuration check).
  {
    entry: 'packages/widget/dist/closer.js',
    label: '@closer/widget launcher (closer.js)',
    maxBytes: 6 * 1024,
  },
  // Loaded on intent (hover, focus, click, proactive open) or when the browser is idle after the page has loaded.
  {
    entry: 'packages/widget/dist/closer-panel.js',
    label: '@closer/widget panel (closer-panel.js)',
    maxBytes: 20 * 1024,
  },
  {
    entry: 'packages/widget/dist/index.js',
    label: '@closer/widget ESM (with preact, signals, sdk/chat)',
    maxBytes: 30 * 1024,
  },
];

let failed = false;
console.log('| entry | minified | brotli | budget |');
console.log('| --- | --- | --- | --- |');
for (const budget of budgets) {
  const result = await build({
    entryPoints: [budget.entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const ok = brotli <= budget.maxBytes;
  failed ||= !ok;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `| ${budget.label} | ${kb(code.length)} | ${kb(brotli)} | ${kb(budget.maxBytes)} ${ok ? '✓' : '✗ over'} |`,
  );
}
if (failed) {
  console.error('\nA size budget is exceeded.');
  process.exit(1);
}
