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

/** The operation's fields in reading order, its tag (the function) and the error envelope as its default. */
function finish(operation: Operation, tag: string): Operation {
  const ordered: Operation = {};
  for (const key of FIELD_ORDER) if (key in operation) ordered[key] = operation[key];
  ordered.tags = [tag];
  ordered.responses = { ...operation.responses, default: { $ref: '#/components/responses/Error' } };
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
        finish(operation, path.split('/')[1] ?? ''),
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
