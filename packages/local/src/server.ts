// One HTTP app for the local stack: every function under /functions/v1/<name>, the demo page at /, the console
// at /console/.

import { readFile } from 'node:fs/promises';
import type { ServerBindings } from '@closer/functions/_shared/http/clientAddress.ts';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import { allowedMethods } from '@closer/functions/_shared/http/methods.ts';
import { securityHeaders } from '@closer/functions/_shared/http/securityHeaders.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { consoleSite } from './consoleSite.ts';
import type { DemoKeys } from './demoKeys.ts';
import { demoPage } from './demoPage.ts';
import { functionFactories } from './functions.ts';
import { localSignInApp, OneTimeCodes } from './localSignIn.ts';
import { widgetDist } from './paths.ts';

export const FUNCTIONS_PATH = '/functions/v1';

/** Methods the Fetch standard forbids in a Request; Node still receives them from clients. */
const UNREQUESTABLE_METHODS = ['TRACE', 'TRACK', 'CONNECT'];

/** `codes`: the one-time sign-in codes this stack accepts (`pnpm start` issues the console link's). */
export function createLocalApp(
  runtime: Runtime,
  demo: DemoKeys | null = null,
  codes: OneTimeCodes = new OneTimeCodes(),
): Hono {
  const apps = new Map(Object.entries(functionFactories).map(([name, create]) => [name, create(runtime)]));
  const root = new Hono();
  // The root's own answers (TRACE, an unknown function, the local sign-in's token) get the functions' headers.
  root.use('*', securityHeaders);
  // Methods a fetch Request cannot carry (mount() would throw building one): answered here, as the function would.
  root.on(UNREQUESTABLE_METHODS, [FUNCTIONS_PATH, `${FUNCTIONS_PATH}/*`], (c) => {
    const path = c.req.path.slice(FUNCTIONS_PATH.length);
    const app = apps.get(path.split('/')[1] ?? '');
    const allow = app ? allowedMethods(app, path) : [];
    return errorResponse(
      c,
      allow.length > 0
        ? new ApiError('method_not_allowed', `${c.req.method} is not allowed on ${path}`, {
            headers: { allow: allow.join(', ') },
          })
        : new ApiError('not_found', `No route for ${c.req.method} ${path}`),
    );
  });
  // mount() strips /functions/v1, so each function sees /<name>/… as it does on Supabase; the connection's
  // peer goes along as the runtime-neutral `clientAddress` binding.
  root.mount(
    FUNCTIONS_PATH,
    (request, bindings: ServerBindings) => {
      const name = new URL(request.url).pathname.split('/')[1] ?? '';
      const app = apps.get(name);
      if (app) return app.fetch(request, bindings);
      return new Hono()
        .all('*', (c) => errorResponse(c, new ApiError('not_found', `No function named "${name}"`)))
        .fetch(request);
    },
    { optionHandler: (c) => ({ clientAddress: peerAddress(c) }) },
  );
  // Local only: an auth.users row and an access token for any e-mail (docs/local-development.md).
  root.route('/', localSignInApp(runtime, codes));
  root.route('/', consoleSite(FUNCTIONS_PATH));
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

/**
 * The socket's peer under @hono/node-server; a caller of `app.fetch`/`app.request` (tests, benchmarks) may
 * name one with the `clientAddress` binding instead.
 */
function peerAddress(c: Context): string | undefined {
  const env = c.env as (ServerBindings & { incoming?: unknown }) | undefined;
  if (env?.clientAddress) return env.clientAddress;
  return env?.incoming ? getConnInfo(c).remote.address : undefined;
}
