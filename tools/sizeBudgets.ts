// `pnpm size`: what a browser downloads for each published entry, bundled with its dependencies, minified,
// brotli-compressed, against its budget; and the console's first load from its build manifest. Fails when a
// budget is exceeded.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

interface Budget {
  entry: string;
  label: string;
  maxBytes: number;
}

const budgets: Budget[] = [
  { entry: 'packages/sdk/dist/chat.js', label: '@closer/sdk/chat', maxBytes: 6 * 1024 },
  // The full client is for apps, servers and the console, not for visitors (they get /chat): it grows by about
  // 1 KB per API area, so its budget is set per planned area, not squeezed per feature (docs/benchmarks.md).
  { entry: 'packages/sdk/dist/index.js', label: '@closer/sdk', maxBytes: 30 * 1024 },
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
    // 22 KB since a person can answer in it (live channel, operator messages, typing) and quick replies and
    // meeting times joined it; the launcher, what every page pays, is unchanged (docs/benchmarks.md).
    maxBytes: 22 * 1024,
  },
  {
    entry: 'packages/widget/dist/index.js',
    label: '@closer/widget ESM (with preact, signals, sdk/chat)',
    maxBytes: 30 * 1024,
  },
];

/**
 * The console's first load (Vite build, `pnpm --filter @closer/console build`): the entry with its static
 * imports, the sign-in module (Supabase Auth's, the heavier of the two) and the first page (Agents), each chunk
 * compressed on its own as it is served.
 */
const CONSOLE_DIST = 'packages/console/dist/';
const CONSOLE_FIRST_LOAD = ['index.html', 'src/auth/supabaseAuth.ts', 'src/pages/agents/AgentsPage.tsx'];
const consoleBudget = { label: '@closer/console first load (JS)', maxBytes: 120 * 1024 };

const brotliSize = (code: Uint8Array) =>
  brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

let failed = false;
function report(label: string, minified: number, brotli: number, maxBytes: number) {
  const ok = brotli <= maxBytes;
  failed ||= !ok;
  console.log(`| ${label} | ${kb(minified)} | ${kb(brotli)} | ${kb(maxBytes)} ${ok ? '✓' : '✗ over'} |`);
}

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
  report(budget.label, code.length, brotliSize(code), budget.maxBytes);
}

type Manifest = Record<string, { file: string; imports?: string[] }>;
const manifest = JSON.parse(readFileSync(`${CONSOLE_DIST}.vite/manifest.json`, 'utf8')) as Manifest;
const files = new Set<string>();
const visit = (key: string) => {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`The console manifest has no ${key}: rebuild the console`);
  if (files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
for (const key of CONSOLE_FIRST_LOAD) visit(key);
let minified = 0;
let compressed = 0;
for (const file of files) {
  const code = readFileSync(`${CONSOLE_DIST}${file}`);
  minified += code.length;
  compressed += brotliSize(code);
}
report(`${consoleBudget.label}, ${files.size} files`, minified, compressed, consoleBudget.maxBytes);
if (failed) {
  console.error('\nA size budget is exceeded.');
  process.exit(1);
}
