// Every response carries `x-request-id`: the caller's, when it sent a sane one, else a new UUID.
import type { Context, MiddlewareHandler } from 'hono';

const HEADER = 'x-request-id';
const SANE = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdOf(c: Context): string {
  let id = c.get('requestId') as string | undefined;
  if (!id) {
    const incoming = c.req.header(HEADER);
    id = incoming && SANE.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    c.header(HEADER, id);
  }
  return id;
}

export const requestId: MiddlewareHandler = async (c, next) => {
  requestIdOf(c);
  await next();
  // Handlers that build their own Response (streams) still carry the id.
  if (!c.res.headers.has(HEADER)) c.res.headers.set(HEADER, requestIdOf(c));
};
