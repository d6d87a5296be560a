// Every function under /functions/v1/<name> on one Node HTTP app, each seeing /<name>/… as it does on Supabase.
// The production server (main.ts) and the local stack (packages/local) both start from this.
import { apiCors } from '@closer/functions/_shared/http/app.ts';
import type { ServerBindings } from '@closer/functions/_shared/http/clientAddress.ts';
import { ApiError, errorResponse, handleError } from '@closer/functions/_shared/http/errors.ts';
import { allowedMethods } from '@closer/functions/_shared/http/methods.ts';
import { requestId } from '@closer/functions/_shared/http/requestId.ts';
import { securityHeaders } from '@closer/functions/_shared/http/securityHeaders.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { functionFactories } from './functions.ts';
import { localUploadsApp } from './localUploads.ts';

export const FUNCTIONS_PATH = '/functions/v1';

/** Methods the Fetch standard forbids in a Request; Node still receives them from clients. */
const UNREQUESTABLE_METHODS = ['TRACE', 'TRACK', 'CONNECT'];

export interface HostOptions {
  /**
   * True once the server is shutting down: `/health/ready` answers 503 so a load balancer stops sending new
   * requests, while the requests and streams already running finish.
   */
  draining?: () => boolean;
}

export function createFunctionsHost(runtime: Runtime, options: HostOptions = {}): Hono {
  const apps = new Map(Object.entries(functionFactories).map(([name, create]) => [name, create(runtime)]));
  const root = new Hono();
  // The root's own answers (TRACE, an unknown function, draining) get the functions' headers.
  root.use('*', securityHeaders);
  root.get(`${FUNCTIONS_PATH}/health/ready`, async (c, next) => {
    if (!options.draining?.()) return next();
    return errorResponse(c, new ApiError('unavailable', 'This server is shutting down; use another one'));
  });
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
  // Files PUT to the URLs a directory storage signed (big uploads; docs/knowledge.md).
  root.route('/', localUploadsApp(runtime));
  // mount() strips /functions/v1; the connection's peer goes along as the runtime-neutral `clientAddress` binding.
  root.mount(
    FUNCTIONS_PATH,
    (request, bindings: ServerBindings) => {
      const name = new URL(request.url).pathname.split('/')[1] ?? '';
      const app = apps.get(name);
      if (app) return app.fetch(request, bindings);
      // An unknown function answers like a function would: request id and CORS (a browser would otherwise hide
      // the 404 behind a CORS failure).
      return new Hono()
        .use('*', requestId, apiCors)
        .all('*', (c) => errorResponse(c, new ApiError('not_found', `No function named "${name}"`)))
        .fetch(request);
    },
    { optionHandler: (c) => ({ clientAddress: peerAddress(c) }) },
  );
  // The root's own paths (signed uploads; on the local stack the sign-in, the demo page, the console) answer
  // like a function: the envelope for an unknown path, 405 with `Allow` for a known path's other methods, and a
  // thrown error logged with the request id (Hono's default is a bare text 404/500).
  root.notFound((c) => {
    const allow = allowedMethods(root, c.req.path);
    return errorResponse(
      c,
      allow.length > 0
        ? new ApiError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`, {
            headers: { allow: allow.join(', ') },
          })
        : new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`),
    );
  });
  root.onError(handleError);
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
