// The API description is generated from the routes: every route is described, every description is a route,
// and the committed docs/api/openapi.json is the generated one.
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createFunctionApp } from '@closer/functions/_shared/http/app.ts';
import { route } from '@closer/functions/_shared/http/route.ts';
import { functionFactories } from '@closer/local/src/functions.ts';
import { describedApps, generateOpenApi } from '@closer/local/src/openApi.ts';
import type { Hono } from 'hono';
import { findTargetHandler } from 'hono/utils/handler';
import { uniqueSymbol } from 'hono-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from './helpers/api.ts';
import { migratedDatabase } from './helpers/databases.ts';
import { fakeSupabaseAuth } from './helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from './helpers/tenants.ts';

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Document = Awaited<ReturnType<typeof generateOpenApi>> & {
  paths: Record<string, Record<string, Operation>>;
};

const functionsDir = new URL('../functions/', import.meta.url);
const committedFile = new URL('../../docs/api/openapi.json', import.meta.url);
const guideFile = new URL('../../docs/api.md', import.meta.url);

/** `/agents/:id/scripts/:childId` → `/agents/{id}/scripts/{childId}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?\??/g, '{$1}');

/** "GET /agents/{id}" for every route a Hono app answers (middleware registered for all methods is not a route). */
function routesOf(apps: Record<string, Hono<never>>): Set<string> {
  const routes = new Set<string>();
  for (const app of Object.values(apps)) {
    for (const r of app.routes) if (r.method !== 'ALL') routes.add(`${r.method} ${openApiPath(r.path)}`);
  }
  return routes;
}

const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

/** Routes without a `route({...})` declaration: absent from the document or described without a summary. */
function undescribed(routes: Set<string>, document: Document): string[] {
  const described = new Set(
    operationsOf(document)
      .filter((o) => o.operation.summary)
      .map((o) => o.key),
  );
  return [...routes].filter((key) => !described.has(key));
}

let document: Document;
let db: Database;
let api: Api;
let a: TenantFixture;
const apps = describedApps() as unknown as Record<string, Hono<never>>;

beforeAll(async () => {
  document = (await generateOpenApi()) as Document;
  db = await migratedDatabase('pglite');
  api = createApi(db);
  a = await createTenant(db, 'Acme');
});
afterAll(async () => db?.close());

describe('the API description, generated from the routes', () => {
  it('describes every route of every function', () => {
    expect(routesOf(apps).size).toBeGreaterThan(50);
    expect(undescribed(routesOf(apps), document)).toEqual([]);
  });

  it('describes only routes that exist', () => {
    const routes = routesOf(apps);
    expect(
      operationsOf(document)
        .map((o) => o.key)
        .filter((key) => !routes.has(key)),
    ).toEqual([]);
  });

  it('catches a route added without a description', async () => {
    const runtime = { env: {} } as never;
    const extra = createFunctionApp('extra', runtime);
    extra.get('/undescribed', (c) => c.json({}));
    extra.get('/described', route({ summary: 'Described', responses: { 200: null } }), (c) => c.body(null));
    const withExtra = { ...apps, extra: extra as unknown as Hono<never> };
    const { openApiDocument } = await import('@closer/functions/_shared/openapi/document.ts');
    const generated = (await openApiDocument(withExtra as never, { version: 'test' })) as Document;
    expect(undescribed(routesOf(withExtra), generated)).toEqual(['GET /extra/undescribed']);
  });

  it('mounts every function of supabase/functions, so none is left out of the description', async () => {
    const names: string[] = [];
    for (const entry of await readdir(functionsDir)) {
      const index = new URL(`${entry}/index.ts`, functionsDir);
      if (
        await stat(index).then(
          () => true,
          () => false,
        )
      )
        names.push(entry);
    }
    expect(names.sort()).toEqual(Object.keys(functionFactories).sort());
  });

  it('is committed as docs/api/openapi.json, current (run `pnpm openapi` after changing a route)', async () => {
    const committed = JSON.parse(await readFile(committedFile, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('is served by the health function with the deployment as its server', async () => {
    const response = await api.as('')<Document>('GET', '/health/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.servers).toEqual([{ url: 'https://demo-project.supabase.co/functions/v1' }]);
    expect(response.body.paths).toEqual(JSON.parse(JSON.stringify(document.paths)));
  });

  it('describes the chat routes, the SSE stream and the OpenAI-compatible endpoint', () => {
    const op = (method: string, path: string) => document.paths[path]?.[method] as Operation;
    for (const [method, path] of [
      ['post', '/chat'],
      ['get', '/chat/config'],
      ['post', '/chat/lead'],
      ['get', '/chat/conversations/{id}'],
      ['post', '/chat/v1/chat/completions'],
    ] as const) {
      expect(op(method, path)?.summary, `${method} ${path}`).toBeTruthy();
    }
    const chat = op('post', '/chat');
    expect(chat.security).toContainEqual({ publishableKey: [] });
    expect(Object.keys(chat.requestBody?.content ?? {})).toEqual(['application/json']);
    const stream = chat.responses['200']?.content?.['text/event-stream']?.schema as {
      anyOf: { properties: { event: { const: string } } }[];
    };
    expect(stream.anyOf.map((e) => e.properties.event.const)).toEqual([
      'start',
      'delta',
      'lead',
      'suggestions',
      'done',
      'error',
    ]);
    expect(Object.keys(chat.responses['200']?.content ?? {})).toEqual([
      'application/json',
      'text/event-stream',
    ]);

    const completions = op('post', '/chat/v1/chat/completions');
    expect(completions.security).toEqual([{ secretKey: [] }]);
    expect(Object.keys(completions.responses['200']?.content ?? {})).toEqual([
      'application/json',
      'text/event-stream',
    ]);
  });

  it('names its credentials and answers errors with the envelope', () => {
    expect(Object.keys(document.components.securitySchemes)).toEqual([
      'secretKey',
      'memberToken',
      'organizationId',
      'publishableKey',
      'workerSecret',
      'stripeSignature',
    ]);
    const admin = document.paths['/agents']?.get as Operation;
    expect(admin.security).toEqual([
      { secretKey: [] },
      { memberToken: [] },
      { memberToken: [], organizationId: [] },
    ]);
    expect(document.paths['/health']?.get?.security).toBeUndefined();
    for (const { key, operation } of operationsOf(document)) {
      expect(operation.responses.default, key).toEqual({ $ref: '#/components/responses/Error' });
    }
    expect(document.components.schemas.ErrorBody).toMatchObject({ required: ['error'] });
  });

  it("declares every path parameter in the route's own declaration", () => {
    const mismatched: string[] = [];
    for (const app of Object.values(apps)) {
      for (const r of app.routes) {
        const declared = (findTargetHandler(r.handler) as { [uniqueSymbol]?: { spec?: Operation } })[
          uniqueSymbol
        ]?.spec;
        if (!declared?.summary) continue;
        const inPath = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]).join(',');
        const params = (declared.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        if (params.join(',') !== inPath) mismatched.push(`${r.method} ${r.path}: ${params}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('has every request field of every route explained in docs/api.md, beside the route', async () => {
    const guide = await readFile(guideFile, 'utf8');
    // A block is a paragraph, a list item or a table row: fields must be named in a block naming the route
    // (or its collection, for `/:id` routes).
    const blocks = guide.split(/\n\s*\n|\n(?=\s*- |\|)/);
    const missing: string[] = [];
    for (const { key, operation } of operationsOf(document)) {
      const path = key.split(' ')[1]!.replace(/\{(\w+)\}/g, ':$1');
      const names = [path, path.replace(/\/:\w+$/, '')].map(
        (p) => new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/-])`),
      );
      const near = blocks.filter((b) => names.some((n) => n.test(b))).join('\n');
      if (!new RegExp(names[0]!.source).test(guide)) missing.push(`${key}: not in the guide`);
      const body = operation.requestBody?.content['application/json']?.schema as
        | { properties?: object; anyOf?: { properties?: object }[] }
        | undefined;
      const fields = [
        ...(operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        ...[body, ...(body?.anyOf ?? [])].flatMap((s) => Object.keys(s?.properties ?? {})),
      ];
      for (const field of new Set(fields)) {
        if (!near.includes(`\`${field}\``) && !new RegExp(`[?&]${field}\\b`).test(near)) {
          missing.push(`${key}: ${field}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  // The body a route describes is the body it validates: a JSON array matches none of them.
  const withJsonBody = () =>
    operationsOf(document).filter((o) => o.operation.requestBody?.content['application/json']);

  it('validates the body it describes, for each of the operations taking JSON', async () => {
    const signedIn = await (await fakeSupabaseAuth()).legacyToken(a.userId);
    const operations = withJsonBody();
    expect(operations.length).toBeGreaterThan(15);
    for (const { key, operation } of operations) {
      const [method, path] = key.split(' ') as [string, string];
      const credential = operation.security?.some((s) => 'secretKey' in s) ? a.secretKey : signedIn;
      const concrete = path.replace(/\{\w+\}/g, crypto.randomUUID());
      const response = await api.as(credential)(method, concrete, []);
      expect({
        key,
        status: response.status,
        code: (response.body as { error?: { code: string } }).error?.code,
      }).toEqual({
        key,
        status: 422,
        code: 'validation_failed',
      });
    }
  });
});
