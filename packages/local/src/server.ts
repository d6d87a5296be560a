// One HTTP app for the local stack: every function under /functions/v1/<name>, the demo page at /.

import { readFile } from 'node:fs/promises';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { Hono } from 'hono';
import type { DemoKeys } from './demoKeys.ts';
import { demoPage } from './demoPage.ts';
import { functionFactories } from './functions.ts';
import { widgetDist } from './paths.ts';

export const FUNCTIONS_PATH = '/functions/v1';

export function createLocalApp(runtime: Runtime, demo: DemoKeys | null = null): Hono {
  const apps = new Map(Object.entries(functionFactories).map(([name, create]) => [name, create(runtime)]));
  const root = new Hono();
  // mount() strips /functions/v1, so each function sees /<name>/… as it does on Supabase.
  root.mount(FUNCTIONS_PATH, (request) => {
    const name = new URL(request.url).pathname.split('/')[1] ?? '';
    const app = apps.get(name);
    if (app) return app.fetch(request);
    return new Hono()
      .all('*', (c) => errorResponse(c, new ApiError('not_found', `No function named "${name}"`)))
      .fetch(request);
  });
  root.get('/', (c) => c.html(demoPage(demo, `${new URL(c.req.url).origin}${FUNCTIONS_PATH}`)));
  // The widget as a site owner embeds it; built before `pnpm start` (root package.json).
  // closer.js is the launcher; it loads closer-panel.js from beside itself when the visitor shows interest.
  root.get('/widget/:file{closer(-panel)?\\.js}', async (c) => {
    const script = await readFile(`${widgetDist}${c.req.param('file')}`, 'utf8').catch(() => null);
    if (script === null) {
      return c.text('// The widget is not built: run `pnpm --filter @closer/widget build`.', 404);
    }
    return c.body(script, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });
  return root;
}
