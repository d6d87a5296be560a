// The Hono app every function starts from: request ids, CORS, body limit and the error envelope.
import type { Hono } from 'hono';
import { Hono as HonoApp } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Principal } from '../auth/principal.ts';
import type { Runtime } from '../runtime.ts';
import { accessLog } from './accessLog.ts';
import { clientAddress, clientAddressSettings, type ServerBindings } from './clientAddress.ts';
import { ApiError, errorResponse, handleError } from './errors.ts';
import { allowedMethods } from './methods.ts';
import { requestId } from './requestId.ts';
import { securityHeaders } from './securityHeaders.ts';
import './messages.ts';

export interface AppEnv {
  Bindings: ServerBindings;
  Variables: {
    requestId: string;
    runtime: Runtime;
    principal: Principal;
    /** A signed-in user admitted by authenticateUser(), with or without an organisation. */
    userId: string;
    /** The client's address bucket from the trusted source (see clientAddress.ts); null when unknown. */
    clientAddress: string | null;
  };
}

export type FunctionApp = Hono<AppEnv>;

/**
 * CORS for every answer of the API, errors included (browsers hide a response without it), also those the
 * local stack gives for a function that does not exist.
 */
export const apiCors = cors({
  origin: '*',
  allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
  allowHeaders: [
    'authorization',
    'content-type',
    'accept',
    'x-organization-id',
    'x-visitor-token',
    // The live channel resumes with it (the SDK sends it when it reconnects from another origin).
    'last-event-id',
    'x-request-id',
    'x-client-info',
    'apikey',
  ],
  // content-disposition: the file name of a CSV export, read by a console served from another origin.
  exposeHeaders: ['x-request-id', 'retry-after', 'x-closer-stream-version', 'content-disposition'],
  maxAge: 86400,
});

/** Default request body limit: 1 MiB (a 500-item knowledge batch fits; an abuse does not). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface FunctionAppOptions {
  maxBodyBytes?: number;
  /** A larger limit for some bodies (file uploads): the first entry matching the path and media type wins. */
  largeBodies?: { path: RegExp; mediaType: string; maxBytes: number }[];
}

export function createFunctionApp(
  name: string,
  runtime: Runtime,
  options: FunctionAppOptions = {},
): FunctionApp {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const app = new HonoApp<AppEnv>().basePath(`/${name}`);
  app.use('*', requestId);
  if (runtime.env.CLOSER_ACCESS_LOG === 'json') app.use('*', accessLog());
  app.use('*', securityHeaders);
  app.use('*', apiCors);
  app.use('*', async (c, next) => {
    c.set('runtime', runtime);
    await next();
  });
  app.use('*', clientAddress(clientAddressSettings(runtime.env)));
  const limitOf = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: async (c) => {
        const drained = await discardBody(c.req.raw);
        return errorResponse(
          c,
          new ApiError('payload_too_large', `The request body is larger than ${limit} bytes`, {
            // A body left unread would make the server drop the connection under the client's next request.
            headers: drained ? {} : { connection: 'close' },
          }),
        );
      },
    });
  const defaultLimit = limitOf(maxBodyBytes);
  const largeLimits = (options.largeBodies ?? []).map((large) => ({
    ...large,
    limit: limitOf(large.maxBytes),
  }));
  app.use('*', (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const large = largeLimits.find((entry) => entry.path.test(c.req.path) && entry.mediaType === type);
    return (large?.limit ?? defaultLimit)(c, next);
  });
  app.use('*', async (c, next) => {
    await next();
    // An answer given without reading the body (a refused key, a 403, a 404) must still consume it: left
    // on a keep-alive socket, the server drops the connection under the client's next request.
    const request = c.req.raw;
    if (request.body && !request.bodyUsed && !(await discardBody(request)))
      c.res.headers.set('connection', 'close');
  });
  app.onError(handleError);
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0) {
      return errorResponse(
        c,
        new ApiError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`, {
          headers: { allow: allow.join(', ') },
        }),
      );
    }
    return errorResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`));
  });
  return app;
}

/** How much of a refused body is read and thrown away to keep the connection usable. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;

/** Reads the rest of a refused body into nothing; false when it cannot (already consumed, too large). */
async function discardBody(request: Request): Promise<boolean> {
  if (!request.body || request.bodyUsed) return request.body === null;
  try {
    const reader = request.body.getReader();
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      read += value.byteLength;
      if (read > MAX_DISCARD_BYTES) {
        await reader.cancel();
        return false;
      }
    }
  } catch {
    return false;
  }
}
