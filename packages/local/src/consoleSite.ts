// The console's static build at /console/ (any path the console routes falls back to its index.html), with a
// config.json naming this stack's own URLs, so the build needs no local settings baked in. Every answer carries
// x-request-id; a file that is not there is the API's error envelope, as on every other route.
import { readFile } from 'node:fs/promises';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import { requestId } from '@closer/functions/_shared/http/requestId.ts';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono } from 'hono';
import { LOCAL_SIGN_IN_PATH } from './localSignIn.ts';
import { consoleDist } from './paths.ts';

export const CONSOLE_PATH = '/console';

/** The console's runtime configuration for a stack reached at `origin` (as the browser sees it). */
export const consoleConfig = (origin: string, functionsPath: string) => ({
  apiUrl: `${origin}${functionsPath}`,
  widgetScriptUrl: `${origin}/widget/closer.js`,
  auth: { kind: 'local', url: `${origin}${LOCAL_SIGN_IN_PATH}` },
});

/** Endings of the files a build holds: such a path names a file, never a page of the console. */
const FILE_ENDINGS = new Set(
  'js mjs cjs css map json png jpg jpeg gif svg ico webp avif woff woff2 ttf otf txt xml webmanifest html wasm'.split(
    ' ',
  ),
);

/** Whether the path's last segment ends like a file (`favicon.ico`, `main.js.map`) rather than a console route. */
function namesFile(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && FILE_ENDINGS.has(last.slice(dot + 1).toLowerCase());
}

const noFile = (c: Context) =>
  errorResponse(c, new ApiError('not_found', `No file ${c.req.path} in the console's build`));

export function consoleSite(functionsPath: string, dist = consoleDist): Hono {
  const app = new Hono();
  app.use(`${CONSOLE_PATH}/*`, requestId);
  app.use(CONSOLE_PATH, requestId);
  app.get(`${CONSOLE_PATH}/config.json`, (c) =>
    c.json(consoleConfig(new URL(c.req.url).origin, functionsPath), 200, { 'cache-control': 'no-cache' }),
  );
  app.get(CONSOLE_PATH, (c) => c.redirect(`${CONSOLE_PATH}/`, 301));
  app.get(
    `${CONSOLE_PATH}/assets/*`,
    async (c, next) => {
      await next();
      // File names carry a content hash: a changed file is a new name.
      if (c.res.status === 200) c.res.headers.set('cache-control', 'public, max-age=31536000, immutable');
    },
    serveStatic({ root: dist, rewriteRequestPath: (path) => path.slice(CONSOLE_PATH.length) }),
  );
  app.get(`${CONSOLE_PATH}/*`, async (c) => {
    // A file the build does not have is not a page: the SPA owns the other paths.
    if (c.req.path.startsWith(`${CONSOLE_PATH}/assets/`) || namesFile(c.req.path)) return noFile(c);
    const html = await readFile(`${dist}index.html`, 'utf8').catch(() => null);
    if (html === null) {
      return errorResponse(
        c,
        new ApiError('not_found', 'The console is not built: run `pnpm --filter @closer/console build`.'),
      );
    }
    return c.html(html, 200, { 'cache-control': 'no-cache' });
  });
  return app;
}
