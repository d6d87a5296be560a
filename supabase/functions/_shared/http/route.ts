// `route({...})`: the one declaration of a route's request and responses. As middleware it validates the
// path parameters, query and JSON body (handlers read the results with `c.req.valid(...)`); the same object is
// the route's entry in the OpenAPI description, which hono-openapi collects from the app's routes.
import type { MiddlewareHandler } from 'hono';
import { resolver, uniqueSymbol } from 'hono-openapi';
import * as z from 'zod/mini';
import { namedResponseSchemas } from '../openapi/components.ts';
import type { SecurityRequirement } from '../openapi/security.ts';
import type { AppEnv } from './app.ts';
import { readJson, readNoBody, readParam, readQuery } from './validate.ts';

/** Methods whose request may carry a body; on a route that declares none, one with fields is refused. */
const TAKES_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** A plain JSON Schema, for wire shapes that are not zod schemas (a form-encoded body, a stream's lines). */
export type JsonSchema = Record<string, unknown>;

/** A path parameter: its schema, and what a malformed value fails to name (answered 404 "<what> not found"). */
export interface PathParam<S extends z.ZodMiniType = z.ZodMiniType> {
  schema: S;
  what: string;
}

/** A response with content: one schema per media type. */
export interface ResponseContent {
  description: string;
  content: Record<string, z.ZodMiniType | JsonSchema>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/**
 * A response: the JSON body's schema, `null` for no content (204, a redirect), or content per media type.
 * Schemas describe the response's output form (defaults applied).
 */
export type ResponseSpec = z.ZodMiniType | null | ResponseContent | { description: string };

export interface RouteSpec<
  P extends Record<string, PathParam> = Record<string, PathParam>,
  Q extends z.ZodMiniType = z.ZodMiniType,
  B extends z.ZodMiniType = z.ZodMiniType,
> {
  /** One line in the product's words; becomes the operation's `summary`. */
  summary: string;
  description?: string;
  /** Every `:name` of the path (supabase/tests/openapi.test.ts checks them against the path). */
  params?: P;
  /** An object schema; each key is one query parameter. */
  query?: Q;
  /**
   * The JSON body; answered 400 when it is not JSON, 422 when it does not match. Without it (and without
   * `rawBody`), a POST/PUT/PATCH takes no body: `{}` or nothing, a body with fields is a 422 naming them.
   */
  body?: B;
  /**
   * A body the handler reads itself (not JSON): described only. Beside `body`, it is a second media type the
   * route accepts: a request of that type skips JSON validation and goes to the handler as it is.
   */
  rawBody?: { mediaType: string; schema: JsonSchema; description: string };
  /** Credentials this route checks itself (not through `authenticate`), as OpenAPI security requirements. */
  security?: SecurityRequirement[];
  /** Keyed by status. Error statuses need not be listed: every operation answers the error envelope. */
  responses: Record<number, ResponseSpec>;
}

type Output<S> = S extends z.ZodMiniType ? z.output<S> : never;

/** What `c.req.valid(target)` returns in the handler after `route(spec)`. */
export interface RouteInput<P, Q, B> {
  in: Record<never, never>;
  out: { param: { [K in keyof P]: P[K] extends PathParam<infer S> ? z.output<S> : never } } & {
    query: Output<Q>;
    json: Output<B>;
  };
}

/** The parameter schemas' JSON Schema (request form: what a caller may send). */
const inputSchema = (schema: z.ZodMiniType): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

const isZod = (schema: z.ZodMiniType | JsonSchema): schema is z.ZodMiniType => '_zod' in schema;

const contentSchema = (schema: z.ZodMiniType | JsonSchema, io: 'input' | 'output') =>
  isZod(schema)
    ? resolver(schema, { options: io === 'output' ? { io, metadata: namedResponseSchemas } : { io } })
    : schema;

function responseObject(status: number, spec: ResponseSpec) {
  if (spec === null) return { description: status === 204 ? 'No content' : 'No body' };
  if (!('description' in spec)) {
    return {
      description: 'Success',
      content: { 'application/json': { schema: contentSchema(spec, 'output') } },
    };
  }
  if (!('content' in spec)) return spec;
  const content = Object.fromEntries(
    Object.entries(spec.content).map(([media, schema]) => [
      media,
      { schema: contentSchema(schema, 'output') },
    ]),
  );
  return { ...spec, content };
}

/** True when a Content-Type header names `mediaType` (parameters such as `boundary` aside). */
export const isOfMediaType = (header: string | undefined, mediaType: string) =>
  (header ?? '').split(';')[0]!.trim().toLowerCase() === mediaType;

/** The OpenAPI operation of a route, built when the description is generated (never on a request). */
export function operationOf(spec: RouteSpec) {
  const parameters = [
    ...Object.entries(spec.params ?? {}).map(([name, param]) => ({
      name,
      in: 'path',
      required: true,
      schema: inputSchema(param.schema),
    })),
    ...Object.entries((spec.query as z.ZodMiniObject | undefined)?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !z.safeParse(schema as z.ZodMiniType, undefined).success,
      schema: inputSchema(schema as z.ZodMiniType),
    })),
  ];
  const content = {
    ...(spec.body ? { 'application/json': { schema: contentSchema(spec.body, 'input') } } : {}),
    ...(spec.rawBody ? { [spec.rawBody.mediaType]: { schema: spec.rawBody.schema } } : {}),
  };
  const requestBody =
    spec.body || spec.rawBody
      ? {
          required: true,
          ...(spec.rawBody ? { description: spec.rawBody.description } : {}),
          content,
        }
      : undefined;
  return {
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    ...(spec.security ? { security: spec.security } : {}),
    responses: Object.fromEntries(
      Object.entries(spec.responses).map(([status, response]) => [
        status,
        responseObject(Number(status), response),
      ]),
    ),
  };
}

/** Marks a middleware as part of the description (hono-openapi merges it into the route's operation). */
export function describedBy<M extends MiddlewareHandler>(middleware: M, describe: () => object): M {
  const entry = {};
  // A getter: the description is computed only when a document is generated.
  Object.defineProperty(entry, 'spec', { enumerable: true, get: describe });
  return Object.assign(middleware, { [uniqueSymbol]: entry });
}

/** The route's request and response declaration; see the module comment. */
export function route<
  P extends Record<string, PathParam> = Record<never, PathParam>,
  Q extends z.ZodMiniType = never,
  B extends z.ZodMiniType = never,
>(spec: RouteSpec<P, Q, B>): MiddlewareHandler<AppEnv, string, RouteInput<P, Q, B>> {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (spec.params) {
      const values: Record<string, unknown> = {};
      for (const [name, param] of Object.entries(spec.params)) {
        values[name] = readParam(c, name, param.schema, param.what);
      }
      c.req.addValidatedData('param', values);
    }
    if (spec.query) c.req.addValidatedData('query', readQuery(c, spec.query) as object);
    if (spec.body && !(spec.rawBody && isOfMediaType(c.req.header('content-type'), spec.rawBody.mediaType))) {
      c.req.addValidatedData('json', (await readJson(c, spec.body)) as object);
    } else if (!spec.body && !spec.rawBody && TAKES_BODY.has(c.req.method)) {
      await readNoBody(c);
    }
    await next();
  };
  return describedBy(middleware, () => operationOf(spec as RouteSpec));
}
