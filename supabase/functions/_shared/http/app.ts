// The Hono app every function starts from: request ids, CORS, body limit and the error envelope.
import type { Hono } from 'hono';
import { Hono as HonoApp } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Principal } from '../auth/principal.ts';
import type { Runtime } from '../runtime.ts';
import { ApiError, errorResponse, handleError } from './errors.ts';
import { requestId } from './requestId.ts';
import { securityHeaders } from './securityHeaders.ts';
import './messages.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    runtime: Runtime;
    principal: Principal;
    /** A signed-in user admitted by authenticateUser(), with or without an organisation. */
    userId: string;
  };
}

export type FunctionApp = Hono<AppEnv>;

/** Default request body limit: 1 MiB (a 500-item knowledge batch fits; an abuse does not). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface FunctionAppOptions {
  maxBodyBytes?: number;
}

export function createFunctionApp(
  name: string,
  runtime: Runtime,
  options: FunctionAppOptions = {},
): FunctionApp {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const app = new HonoApp<AppEnv>().basePath(`/${name}`);
  app.use('*', requestId);
  app.use('*', securityHeaders);
  app.use(
    '*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
      allowHeaders: [
        'authorization',
        'content-type',
        'accept',
        'x-organization-id',
        'x-visitor-token',
        'x-request-id',
        'x-client-info',
        'apikey',
      ],
      exposeHeaders: ['x-request-id', 'retry-after', 'x-closer-stream-version'],
      maxAge: 86400,
    }),
  );
  app.use('*', async (c, next) => {
    c.set('runtime', runtime);
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        errorResponse(
          c,
          new ApiError('payload_too_large', `The request body is larger than ${maxBodyBytes} bytes`),
        ),
    }),
  );
  app.onError(handleError);
  app.notFound((c) =>
    errorResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`)),
  );
  return app;
}
