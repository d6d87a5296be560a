// One HTTP app for the local stack: the production server's functions host (packages/server) plus what only a
// developer's machine has — the local sign-in, the demo page at /, the widget's files and the console at
// /console/.

import { readFile } from 'node:fs/promises';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import { requestId } from '@closer/functions/_shared/http/requestId.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { createFunctionsHost } from '@closer/server/src/host.ts';
import type { Hono } from 'hono';
import { consoleSite } from './consoleSite.ts';
import type { DemoKeys } from './demoKeys.ts';
import { demoPage } from './demoPage.ts';
import { localSignInApp, OneTimeCodes, type SignInCodes } from './localSignIn.ts';
import { widgetDist } from './paths.ts';

export { FUNCTIONS_PATH } from '@closer/server/src/host.ts';

import { FUNCTIONS_PATH } from '@closer/server/src/host.ts';

/**
 * `codes`: the one-time sign-in codes this stack accepts (`pnpm start` issues the console link's); `widgetDir`:
 * where the widget's built files are.
 */
export function createLocalApp(
  runtime: Runtime,
  demo: DemoKeys | null = null,
  codes: SignInCodes = new OneTimeCodes(),
  widgetDir = widgetDist,
): Hono {
  const root = createFunctionsHost(runtime);
  // Local only: an auth.users row and an access token for any e-mail (docs/local-development.md).
  root.route('/', localSignInApp(runtime, codes));
  root.route('/', consoleSite(FUNCTIONS_PATH));
  root.get('/', (c) => c.html(demoPage(demo, `${new URL(c.req.url).origin}${FUNCTIONS_PATH}`)));
  // The widget as a site owner embeds it; built before `pnpm start` (root package.json).
  // closer.js is the launcher; it loads closer-panel.js from beside itself when the visitor shows interest.
  // Like every route, with x-request-id; a file not built is the error envelope.
  root.use('/widget/*', requestId);
  root.get('/widget/:file{closer(-panel)?\\.js}', async (c) => {
    const script = await readFile(`${widgetDir}${c.req.param('file')}`, 'utf8').catch(() => null);
    if (script === null) {
      return errorResponse(
        c,
        new ApiError('not_found', 'The widget is not built: run `pnpm --filter @closer/widget build`.'),
      );
    }
    return c.body(script, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });
  return root;
}
