// The OpenAPI 3.1 description of the whole API, generated from the function apps' own routes: each route's
// `route({...})` declaration and the `authenticate` middleware in front of it (see http/route.ts).
import { errorBody } from '@closer/contract';
import { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import * as z from 'zod/mini';
import type { FunctionApp } from '../http/app.ts';
import { securitySchemes } from './security.ts';

export interface DocumentOptions {
  version: string;
  /** The functions base, e.g. `https://<project>.supabase.co/functions/v1`. */
  serverUrl?: string;
}

export const LOCAL_SERVER_URL = 'http://localhost:54321/functions/v1';

const DESCRIPTION =
  'AI sales agents for websites and Kommo. Every path starts with the edge function that serves it. ' +
  'Errors are `{ error: { code, message, requestId, details? } }` with the status of their code; lists are ' +
  '`{ data, nextCursor }`; every response carries `x-request-id`. Guides: docs/api.md and docs/chat.md.';

const errorSchema = () => {
  const { $schema: _, ...schema } = z.toJSONSchema(errorBody, { io: 'output' });
  return schema;
};

type Operation = Record<string, unknown> & { responses?: Record<string, unknown> };

const FIELD_ORDER = [
  'summary',
  'description',
  'tags',
  'operationId',
  'security',
  'parameters',
  'requestBody',
];

/**
 * The error statuses an operation's own declaration shows it can answer (the envelope; anything else is its
 * `default`), as `supabase/tests/validation/routeFuzz.test.ts` checks against the routes' answers: 401/403/404
 * where credentials are required (a key refused, a role short, an organisation not the member's), 404 with a path
 * parameter (a malformed id names nothing), 400/422 for a POST/PUT/PATCH (a body that is not JSON, fields that do
 * not fit or are not taken), 413 with a JSON body, 422 with a query or a resumable event stream (Last-Event-ID),
 * and 503 everywhere (a database outage, a missing setting).
 */
function errorStatuses(method: string, operation: Operation): number[] {
  const statuses = new Set<number>([503]);
  const add = (...more: number[]) => {
    for (const status of more) statuses.add(status);
  };
  if (Array.isArray(operation.security) && operation.security.length > 0) add(401, 403, 404);
  const parameters = (operation.parameters ?? []) as { in?: string }[];
  if (parameters.some((parameter) => parameter.in === 'path')) add(404);
  if (parameters.some((parameter) => parameter.in === 'query')) add(422);
  if (['post', 'put', 'patch'].includes(method)) add(400, 422);
  const body = operation.requestBody as { content?: Record<string, unknown> } | undefined;
  if (body?.content?.['application/json']) add(413);
  const ok = operation.responses?.['200'] as { content?: Record<string, unknown> } | undefined;
  if (ok?.content?.['text/event-stream']) add(422);
  return [...statuses].sort((a, b) => a - b);
}

/** Security requirements once each (several middlewares may describe the same ones). */
const distinct = (requirements: unknown[]) =>
  requirements.filter(
    (requirement, i) =>
      requirements.findIndex((r) => JSON.stringify(r) === JSON.stringify(requirement)) === i,
  );

/**
 * The operation's fields in reading order, its tag (the function), the error statuses its declaration shows, and
 * the error envelope as its default.
 */
function finish(method: string, operation: Operation, tag: string): Operation {
  const ordered: Operation = {};
  for (const key of FIELD_ORDER) if (key in operation) ordered[key] = operation[key];
  ordered.tags = [tag];
  if (Array.isArray(ordered.security)) ordered.security = distinct(ordered.security);
  const error = { $ref: '#/components/responses/Error' };
  // A status the route declares itself (health's 503 with its checks) keeps its own description.
  ordered.responses = {
    ...Object.fromEntries(errorStatuses(method, operation).map((status) => [status, error])),
    ...operation.responses,
    default: error,
  };
  return { ...ordered, ...Object.fromEntries(Object.entries(operation).filter(([k]) => !(k in ordered))) };
}

/** Every function's routes in one document; `apps` is keyed by function name (the first path segment). */
export async function openApiDocument(apps: Record<string, FunctionApp>, options: DocumentOptions) {
  const all = new Hono();
  for (const app of Object.values(apps)) all.route('/', app);
  const document = await generateSpecs(all, {
    excludeStaticFile: false,
    documentation: {
      info: { title: 'Closer API', version: options.version, description: DESCRIPTION },
      servers: [{ url: options.serverUrl ?? LOCAL_SERVER_URL }],
      tags: Object.keys(apps).map((name) => ({ name })),
    },
  });
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path] = Object.fromEntries(
      Object.entries((item ?? {}) as Record<string, Operation>).map(([method, operation]) => [
        method,
        finish(method, operation, path.split('/')[1] ?? ''),
      ]),
    );
  }
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes,
      schemas: { ...document.components?.schemas, ErrorBody: errorSchema() },
      responses: {
        Error: {
          description:
            'The error envelope: `code` names the failure (its status is fixed per code), `requestId` is the ' +
            "request's x-request-id, `details` lists field problems of a 422.",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
        },
      },
    },
  };
}
