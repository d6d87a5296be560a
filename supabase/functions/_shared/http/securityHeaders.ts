// Headers on every response, errors and streams included: browsers must not sniff a JSON error into HTML,
// and no cache may keep an answer unless its route says it may. API answers carry secrets (a new secret
// key, a visitor token, the Kommo webhook address, …) and tenant data, so `no-store` is the default.
import type { MiddlewareHandler } from 'hono';

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('x-content-type-options', 'nosniff');
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
};
