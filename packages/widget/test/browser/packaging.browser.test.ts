// The package as bundlers see it (issue 12, parts 5 and 6): importing the script entry keeps it (it has side
// effects), and the ESM entry bundles into a small main chunk plus the panel behind a dynamic import, which
// loads on intent in Chromium under a strict Content-Security-Policy.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

const widgetDir = fileURLToPath(new URL('../../', import.meta.url));
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'";

/** Bundles `code` as an app inside this package would, resolving `@closer/widget` to the built package. */
const bundle = (code: string, options: Parameters<typeof build>[0] = {}) =>
  build({
    stdin: { contents: code, resolveDir: widgetDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    ...options,
  });

let stack: Stack;
let out: string;
/** Where an app's node_modules would hold the widget's own dependencies (workspace packages, from source). */
let modules: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'closer-esm-'));
  modules = await mkdtemp(join(tmpdir(), 'closer-modules-'));
  await mkdir(join(modules, '@closer'));
  for (const name of ['sdk', 'contract'])
    await symlink(join(widgetDir, '..', name), join(modules, '@closer', name));
  stack = await startStack({
    routes: (app, s) => {
      app.get('/esm/:file', async (c) => {
        const file = await readFile(join(out, c.req.param('file')), 'utf8').catch(() => null);
        return file === null ? c.text('', 404) : c.body(file, 200, { 'content-type': 'text/javascript' });
      });
      app.get('/test/esm', (c) =>
        c.html(sitePage('<script type="module" src="/esm/app.js"></script>'), 200, {
          'content-security-policy': CSP,
        }),
      );
      app.get('/esm-config.js', (c) =>
        c.body(
          `export const key = ${JSON.stringify(s().key)}; export const api = ${JSON.stringify(`${s().base}/functions/v1`)};`,
          200,
          {
            'content-type': 'text/javascript',
          },
        ),
      );
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await rm(out, { recursive: true, force: true });
  await rm(modules, { recursive: true, force: true });
});

describe('through a bundler', () => {
  it('keeps `import "@closer/widget/closer.js"` (the script entry has side effects)', async () => {
    const result = await bundle(`import '@closer/widget/closer.js';`, { minify: true, logLevel: 'warning' });
    const code = result.outputFiles![0]!.text;
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    expect(code.length).toBeGreaterThan(5000);
    expect(code).toContain('closer-panel.js');
  });

  it('splits the ESM entry: the launcher up front, the panel in a chunk that loads on intent under a strict CSP', async () => {
    const result = await bundle(
      `import { mount } from './dist/index.js';
       import { key, api } from '/esm-config.js';
       window.chat = mount({ publishableKey: key, apiUrl: api });`,
      {
        nodePaths: [modules],
        conditions: ['@closer/source'],
        splitting: true,
        outdir: out,
        write: true,
        minify: true,
        external: ['/esm-config.js'],
        entryNames: 'app',
        metafile: true,
      },
    );
    const files = await readdir(out);
    const chunks = files.filter((f) => f !== 'app.js');
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    // Preact (a peer dependency) is in the panel's chunk, not in what every page loads.
    const app = await readFile(join(out, 'app.js'), 'utf8');
    expect(app).not.toMatch(/__PREACT_DEVTOOLS__|preact/i);
    expect(Object.keys(result.metafile!.outputs).length).toBe(files.length);

    const { tab, problems } = await openPage(stack.browser, `${stack.base}/test/esm`);
    await tab.locator('closer-chat .bubble').click();
    expect(await sendAndWait(tab, 'Do you offer financing?')).toMatch(/offline/i);
    const loaded = await tab.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
    );
    expect(
      loaded.filter((path) => chunks.some((chunk) => path === `/esm/${chunk}`)).length,
    ).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
    await tab.context().close();
  });
});
