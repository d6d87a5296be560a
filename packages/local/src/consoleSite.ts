// The console's static build at /console/ (any path the console routes falls back to its index.html), with a
// config.json naming this stack's own URLs, so the build needs no local settings baked in.
import { readFile } from 'node:fs/promises';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { LOCAL_SIGN_IN_PATH } from './localSignIn.ts';
import { consoleDist } from './paths.ts';

export const CONSOLE_PATH = '/console';

/** The console's runtime configuration for a stack reached at `origin` (as the browser sees it). */
export const consoleConfig = (origin: string, functionsPath: string) => ({
  apiUrl: `${origin}${functionsPath}`,
  widgetScriptUrl: `${origin}/widget/closer.js`,
  auth: { kind: 'local', url: `${origin}${LOCAL_SIGN_IN_PATH}` },
});

export function consoleSite(functionsPath: string, dist = consoleDist): Hono {
  const app = new Hono();
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
    if (c.req.path.startsWith(`${CONSOLE_PATH}/assets/`)) return c.text('Not found', 404);
    const html = await readFile(`${dist}index.html`, 'utf8').catch(() => null);
    if (html === null)
      return c.text('The console is not built: run `pnpm --filter @closer/console build`.', 404);
    return c.html(html, 200, { 'cache-control': 'no-cache' });
  });
  return app;
}
