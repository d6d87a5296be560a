// Every route of every function, taken from the Hono apps themselves, called with hostile values in its path
// parameters, query (the keys the route's own description names, and others), headers (Last-Event-ID among
// them), JSON body, multipart upload and webhook body (Stripe events signed as Stripe signs them, Salesbot
// requests with a token Kommo would sign) — fast-check, seeded and bounded — on PGlite and PostgreSQL, with
// billing on: no answer is a 5xx, and every error carries the envelope with the response's request id.

import { tmpdir } from 'node:os';
import * as contract from '@closer/contract';
import { errorBody, isStorableText } from '@closer/contract';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { functionFactories } from '@closer/local/src/functions.ts';
import { generateOpenApi } from '@closer/local/src/openApi.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { drivers } from '../helpers/databases.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { FakeStripe, STRIPE_ENV, signed, stripeEvent } from '../helpers/fakeStripe.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const SEED = 20261130;
/** Runs per route and driver: enough to meet every kind of value, small enough for CI's two cores. */
const RUNS_PER_ROUTE = 24;
const WORKER_SECRET = 'fuzz-worker-secret-0001';

interface Route {
  fn: string;
  method: string;
  /** Under /functions/v1, with `:params`. */
  path: string;
}

/** The routes the function apps register (middleware, registered for ALL methods, left out). */
function registeredRoutes(): Route[] {
  const runtime = createRuntime({} as never, {});
  const seen = new Map<string, Route>();
  for (const [fn, create] of Object.entries(functionFactories)) {
    for (const route of create(runtime).routes) {
      if (route.method === 'ALL') continue;
      seen.set(`${route.method} ${route.path}`, { fn, method: route.method, path: route.path });
    }
  }
  return [...seen.values()];
}

const routes = registeredRoutes();

/** The query parameters each route's generated description names (`GET /conversations` → status, from, …). */
async function describedQueryKeys(): Promise<Map<string, string[]>> {
  const document = (await generateOpenApi()) as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  const keys = new Map<string, string[]>();
  for (const route of routes) {
    const described =
      document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
    const names = (described?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    keys.set(`${route.method} ${route.path}`, names);
  }
  return keys;
}

/** The statuses each route's generated description lists (`GET /agents/:id` → 200, 401, 403, 404, 503). */
async function describedStatuses(): Promise<Map<string, Set<number>>> {
  const document = (await generateOpenApi()) as {
    paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  };
  const statuses = new Map<string, Set<number>>();
  for (const route of routes) {
    const described =
      document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
    statuses.set(
      `${route.method} ${route.path}`,
      new Set(Object.keys(described?.responses ?? {}).map(Number)),
    );
  }
  return statuses;
}

/** Error statuses the description derives from a route's declaration (the rest are its `default`). */
const DERIVED_ERROR_STATUSES = [400, 401, 403, 404, 413, 422];

/** Every field name any request schema of the contract knows, so bodies hit real fields, nested ones included. */
function contractFieldNames(): string[] {
  const names = new Set<string>();
  const visit = (schema: unknown, depth: number) => {
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def || depth > 6) return;
    if (def.type === 'object') {
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
        names.add(key);
        visit(value, depth + 1);
      }
    }
    for (const inner of ['innerType', 'element', 'in', 'valueType']) visit(def[inner], depth + 1);
    if (Array.isArray(def.options)) for (const option of def.options) visit(option, depth + 1);
  };
  for (const value of Object.values(contract)) visit(value, 0);
  return [...names].sort();
}

const fieldNames = contractFieldNames();
const commonFields = ['name', 'title', 'content', 'message', 'objection', 'answer', 'description', 'tags'];

// The values real traffic and hostile visitors sent. Text no database column can hold comes first and most
// often (NUL, lone surrogates); then invisible text, impossible dates, POSIX zones, out-of-range numbers and
// epochs, oversized and odd strings.
const unstorableStrings = ['before\u0000after', '\u0000', 'x\ud800', '\udc00after', '\ud83d'];
const hostileStrings = [
  '\u200b\u200b',
  '\ufeff',
  ' ',
  '',
  '2026-02-30',
  '2026-13-45',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '+01:00',
  'US/Pacific-New',
  '999999999999',
  '-1',
  '1e309',
  '%00',
  '../../etc/passwd',
  "'; drop table agents; --",
  '😀'.repeat(700),
  'x'.repeat(5000),
  '<script>alert(1)</script>',
  // Words Postgres reads as dates and times, and dates and zones at the edges of what parsers take.
  'infinity',
  '-infinity',
  'epoch',
  'now',
  'allballs',
  '+010000-01-01',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  'Etc/GMT+1',
  'posixrules',
  'localtime',
  'Factory',
  // Numbers as JavaScript and Postgres spell them, and UUIDs in forms Postgres accepts and zod does not.
  '1e2',
  '0x10',
  'NaN',
  'Infinity',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000000040008000000000000000',
  '\u202e',
];
const hostileString = fc.oneof(
  { arbitrary: fc.constantFrom(...unstorableStrings), weight: 4 },
  { arbitrary: fc.constantFrom(...hostileStrings), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
);
const impossibleCursors = [
  ...[
    '2026-02-30T00:00:00.000000Z',
    '0000-01-01T00:00:00.000000Z',
    '2026-13-45T99:00:00Z',
    'infinity',
    '2026-01-01T00:00:00.1234567Z',
  ].map((at) => [at, '00000000-0000-4000-8000-000000000000']),
  [null, null],
  ['2026-01-01T00:00:00Z'],
  { at: 1 },
  12,
].map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url'));

function hostileJson(ids: string[]): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    { arbitrary: hostileString, weight: 5 },
    { arbitrary: fc.constantFrom(...ids, 'opening', 'en', 'active', 'https://shop.example'), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        0,
        -1,
        1.5,
        32001,
        99999999999,
        999999999999,
        1e15,
        1e308,
        Number.MAX_SAFE_INTEGER + 2,
      ),
      weight: 2,
    },
    { arbitrary: fc.constantFrom(true, false, null), weight: 1 },
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: scalar, weight: 6 },
      { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
      { arbitrary: fc.dictionary(fieldName, tie('value'), { maxKeys: 3 }), weight: 1 },
    ),
  }));
  return value;
}

const fieldName = fc.oneof(
  { arbitrary: fc.constantFrom(...commonFields), weight: 3 },
  { arbitrary: fc.constantFrom(...fieldNames), weight: 3 },
  { arbitrary: fc.constantFrom('langauge', '__proto__', 'constructor', '\u0000', ''), weight: 1 },
);

/** Header values a fetch Headers object can carry (Latin-1, no NUL/CR/LF), hostile in every other way. */
const headerValue = fc.oneof(
  fc.constantFrom(
    '0000-01-01',
    'vt_',
    'not-a-uuid',
    'ÿþ',
    'x'.repeat(2000),
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
);

const lastEventIds = ['0', '1', '-1', '1.5', '99999999999999999999', '00000000-0000-4000-8000-000000000000'];
const stripeEventTypes = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'customer.created',
];
const stripeObjectFields = [
  'id',
  'customer',
  'subscription',
  'status',
  'mode',
  'metadata',
  'client_reference_id',
  'items',
  'current_period_start',
  'current_period_end',
  'cancel_at_period_end',
];
const salesbotClaims = ['account_id', 'subdomain', 'entity_id', 'entity_type', 'client_uuid', 'iss'];
const salesbotDataFields = [
  'message',
  'lead_id',
  'contact_id',
  'contact_name',
  'origin',
  'talk_id',
  'message_id',
];
const SALESBOT_RETURN_URL = 'https://acme.kommo.com/api/v4/salesbot/321/continue/1';
const uploadContents = ['Opening hours: nine to five', '%PDF-1.4\n%%EOF', 'nul\u0000inside', '', '\xff\xfe'];

const encode = (value: string) => {
  // A URL cannot carry a lone surrogate; send the invalid UTF-8 of one instead.
  return isStorableText(value.replaceAll('\u0000', '')) ? encodeURIComponent(value) : '%ED%A0%80';
};

interface Target {
  harness: KommoHarness;
  org: TenantFixture;
  orgName: string;
  /** Per route, the valid bodies it accepted when tried once each (all of them when none fit). */
  fitting: Map<Route, Record<string, unknown>[]>;
  memberToken: string;
  oddSubjectToken: string;
  /** Signs Salesbot tokens as Kommo does. */
  kommo: FakeKommo;
  queryKeys: Map<string, string[]>;
}

/**
 * Request bodies of the shapes the contract accepts (not tied to a route: the fuzz tries each on every route),
 * so a hostile value put in one field gets past the other fields to the handler and the database.
 */
const validBodies = (org: TenantFixture): Record<string, unknown>[] => [
  { name: 'Maya' },
  { name: 'Maya', persona: 'Friendly', leadCapture: { fields: [{ field: 'email', required: true }] } },
  { title: 'Prices', content: 'From 10 EUR' },
  { items: [{ title: 'Prices', content: 'From 10 EUR', tags: ['pricing'] }] },
  { stage: 'opening', name: 'Hello', content: 'Say hello' },
  { objection: 'Too expensive', answer: 'It pays back', keywords: ['price'] },
  { categoryId: org.categoryId, title: 'Hours', content: 'Nine to five' },
  { agentId: org.agentId, message: 'Hi', visitor: { name: 'Ann' }, metadata: { page: '/pricing' } },
  { agentId: org.agentId, conversationId: org.conversationId, fields: { name: 'Ann', need: 'A demo' } },
  { model: org.agentId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 },
  { tags: ['chat'], fieldMap: { company: null } },
  { returnUrl: 'https://app.example/settings' },
];

/** A valid body, as is or with one field (or one field of a nested object) replaced by a hostile value. */
function oneFieldHostile(bodies: Record<string, unknown>[], hostile: fc.Arbitrary<unknown>) {
  return fc
    .tuple(fc.constantFrom(...bodies), fc.nat(), fc.boolean(), hostile, fc.nat(3))
    .map(([body, pick, nested, value, keep]) => {
      if (keep === 0) return body;
      const keys = Object.keys(body);
      const key = keys[pick % keys.length]!;
      const inner = body[key];
      if (nested && inner && typeof inner === 'object' && !Array.isArray(inner)) {
        const innerKeys = Object.keys(inner);
        const innerKey = innerKeys[pick % Math.max(innerKeys.length, 1)] ?? 'name';
        return { ...body, [key]: { ...inner, [innerKey]: value } };
      }
      return { ...body, [key]: value };
    });
}

function requestFor(route: Route, target: Target) {
  const { org } = target;
  const allowedOrigin = `https://${target.orgName.toLowerCase()}.example`;
  const ids = [org.agentId, org.conversationId, org.knowledgeId, org.categoryId, org.leadId, org.keyId];
  const param = fc.oneof(
    // Real ids reach the database, except where the route would delete the fixture the other runs need.
    {
      arbitrary: route.method === 'DELETE' ? fc.constant(crypto.randomUUID()) : fc.constantFrom(...ids),
      weight: 2,
    },
    { arbitrary: hostileString.map(encode), weight: 3 },
  );
  const described = target.queryKeys.get(`${route.method} ${route.path}`) ?? [];
  const queryKey = fc.oneof(
    ...(described.length > 0 ? [{ arbitrary: fc.constantFrom(...described), weight: 3 }] : []),
    {
      arbitrary: fc.constantFrom(
        'limit',
        'cursor',
        'agentId',
        'status',
        'from',
        'to',
        'tz',
        'q',
        'categoryId',
        'published',
      ),
      weight: 1,
    },
    { arbitrary: fc.constantFrom('crmState', 'code', 'state', 'referer', 'error', 'langauge'), weight: 1 },
  );
  const queryValue = fc.oneof(
    hostileString,
    fc.constantFrom(...impossibleCursors, ...ids, '101', '0', 'true'),
  );
  const secret: [string, Record<string, string>] = [`Bearer ${org.secretKey}`, {}];
  const credential = fc.oneof(
    { arbitrary: fc.constant(secret), weight: 6 },
    {
      arbitrary: fc.constantFrom<[string, Record<string, string>]>(
        [`Bearer ${org.publishableKey}`, { origin: allowedOrigin }],
        [`Bearer ${target.memberToken}`, {}],
        [`Bearer ${target.oddSubjectToken}`, {}],
        [`Bearer ${WORKER_SECRET}`, {}],
      ),
      weight: 2,
    },
  );
  return fc.record({
    params: fc.array(param, { minLength: 4, maxLength: 4 }),
    query: fc.dictionary(queryKey, queryValue.map(encode), { maxKeys: 4 }),
    headers: fc.record(
      {
        'x-visitor-token': headerValue,
        'x-organization-id': headerValue,
        'x-request-id': headerValue,
        'last-event-id': fc.oneof(headerValue, fc.constantFrom(...lastEventIds)),
      },
      { requiredKeys: [] },
    ),
    /** How the body goes: 0–5 the route's own way (signed webhook, multipart file), else plain JSON. */
    variant: fc.nat(9),
    stripe: fc.record({
      type: fc.constantFrom(...stripeEventTypes),
      object: fc.dictionary(fc.constantFrom(...stripeObjectFields), hostileJson(ids), { maxKeys: 3 }),
      envelope: fc.dictionary(fc.constantFrom('id', 'type', 'created', 'data'), hostileJson(ids), {
        maxKeys: 1,
      }),
    }),
    salesbot: fc.record({
      claims: fc.dictionary(fc.constantFrom(...salesbotClaims), hostileJson(ids), { maxKeys: 2 }),
      data: fc.dictionary(fc.constantFrom(...salesbotDataFields), hostileJson(ids), { maxKeys: 3 }),
      returnUrl: fc.oneof(
        { arbitrary: fc.constant(SALESBOT_RETURN_URL), weight: 3 },
        { arbitrary: hostileString, weight: 1 },
      ),
    }),
    upload: fc.record({
      fileName: fc.oneof(
        hostileString,
        fc.constantFrom('prices.txt', `${'a'.repeat(199)}😀.txt`, '../x.pdf'),
      ),
      name: fc.option(hostileString),
      content: fc.constantFrom(...uploadContents),
      type: fc.constantFrom('text/plain', 'application/pdf', 'text/html', 'image/png', '', 'text/csv'),
    }),
    credential,
    body: fc.oneof(
      {
        arbitrary: oneFieldHostile(target.fitting.get(route) ?? validBodies(org), hostileJson(ids)),
        weight: 6,
      },
      { arbitrary: fc.dictionary(fieldName, hostileJson(ids), { minKeys: 1, maxKeys: 4 }), weight: 3 },
      { arbitrary: hostileJson(ids), weight: 1 },
      { arbitrary: fc.constantFrom('{"name":', 'null', '"\\u0000"', '{"name":"\\ud800"}'), weight: 1 },
    ),
  });
}

type RequestInput = ReturnType<typeof requestFor> extends fc.Arbitrary<infer T> ? T : never;

async function callRoute(target: Target, route: Route, input: RequestInput) {
  let index = 0;
  const path = route.path.replace(/:[A-Za-z]+/g, () => input.params[index++] ?? '');
  const query = { ...input.query };
  const [authorization, extra] = input.credential;
  const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
  const form = route.path.startsWith('/kommo/webhooks');
  let headers: Record<string, string> = {
    authorization,
    ...extra,
    ...input.headers,
    ...(hasBody ? { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' } : {}),
  };
  let body: BodyInit | undefined = hasBody
    ? typeof input.body === 'string'
      ? input.body
      : JSON.stringify(input.body)
    : undefined;
  const ownWay = input.variant < 6;
  if (ownWay && route.path === '/billing/webhooks/stripe') {
    // Signed as Stripe signs: the hostile values get past the signature to the event's reading.
    const event = { ...stripeEvent(input.stripe.type, input.stripe.object, now()), ...input.stripe.envelope };
    const { payload, header } = signed(event);
    body = payload;
    headers = { ...headers, 'stripe-signature': header };
  } else if (ownWay && route.path === '/kommo/salesbot') {
    const token = await target.kommo.salesbotToken(input.salesbot.claims);
    body = JSON.stringify({ token, data: input.salesbot.data, return_url: input.salesbot.returnUrl });
    query.agent ??= target.org.agentId;
  } else if (ownWay && route.method === 'POST' && route.path.endsWith('/sources')) {
    const upload = new FormData();
    const { fileName, name, content, type } = input.upload;
    upload.set('file', new File([content], fileName, { type }));
    if (name !== null) upload.set('name', name);
    body = upload;
    const { 'content-type': _json, ...rest } = headers;
    headers = rest;
  }
  const search = Object.entries(query)
    .map(([key, value]) => `${encode(key)}=${value}`)
    .join('&');
  return target.harness.api.fetch(`${path}${search ? `?${search}` : ''}`, {
    method: route.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

const now = () => Math.floor(Date.now() / 1000);

/** Which body shapes each route takes, learnt from the routes themselves: one honest call per shape. */
async function learnFittingBodies(target: Target): Promise<void> {
  const ids = [target.org.agentId, target.org.categoryId];
  for (const route of routes) {
    if (route.method === 'GET' || route.method === 'DELETE' || route.path.includes('/webhooks/')) continue;
    const path = route.path.replace(/:[A-Za-z]+/, ids[0]!).replace(/:[A-Za-z]+/, ids[1]!);
    const fits: Record<string, unknown>[] = [];
    for (const body of validBodies(target.org)) {
      const response = await target.harness.api.as(target.org.secretKey)(route.method, path, body);
      if (response.status < 300) fits.push(body);
    }
    if (fits.length > 0) target.fitting.set(route, fits);
  }
}

/** A route's path as a pattern matching the paths it serves (`:name` is one segment, a literal too). */
const patternOf = (routePath: string) =>
  new RegExp(`^${routePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}$`);

async function expectNoServerError(response: Response, route: Route) {
  if (response.status < 300 && response.headers.get('content-type')?.includes('text/event-stream')) {
    // A live channel stays open by design (until its time limit): the status and headers are the answer.
    await response.body?.cancel();
    return;
  }
  const text = await response.text();
  const where = `${route.method} ${route.path} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, where).toBeLessThan(500);
  if (response.status < 400) return;
  // Kommo's OAuth callback answers the user's browser with a page, by design.
  if (route.path.endsWith('/kommo/oauth/callback') && response.headers.get('content-type')?.includes('html'))
    return;
  const parsed = z.safeParse(errorBody, JSON.parse(text));
  expect(parsed.success, where).toBe(true);
  expect(parsed.data?.error.requestId, where).toBe(response.headers.get('x-request-id'));
}

describe('the route list', () => {
  it('comes from the apps: every function, every method of the chat and agents APIs', () => {
    expect(new Set(routes.map((r) => r.fn))).toEqual(new Set(Object.keys(functionFactories)));
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /chat',
        'POST /chat/v1/chat/completions',
        'PATCH /agents/:id',
        'POST /agents/:id/knowledge',
        'GET /dashboard',
        'POST /kommo/webhooks/:token',
      ]),
    );
    expect(fieldNames).toEqual(expect.arrayContaining(['message', 'language', 'accentColor', 'fields']));
  });
});

describe.each(drivers)('every route with hostile input on %s', (driver) => {
  let target: Target;
  /** Routes that answered 2xx at least once: the fuzz reached their handlers and the database. */
  const succeeded = new Set<string>();
  /** Every status each route answered. */
  const answered = new Map<string, Set<number>>();

  beforeAll(async () => {
    const harness = await startKommoHarness(driver, {
      ...KOMMO_ENV,
      ...STRIPE_ENV,
      CLOSER_WORKER_SECRET: WORKER_SECRET,
      CLOSER_UPLOADS_DIR: `${tmpdir()}/closer-route-fuzz-${driver}-${process.pid}`,
    });
    // Billing on, with room: the fuzz is about input, not plan limits.
    await harness.db.exec(`
      update billing.plans set max_agents = null, max_messages = null, max_knowledge_bytes = null,
        max_members = null, kommo = true where id = 'free';
      insert into billing.plans (id, name, stripe_price_id, position) values ('pro', 'Pro', 'price_pro_monthly', 1);`);
    const { org, kommo } = await harness.freshOrg({
      handlers: new FakeStripe(['price_pro_monthly']).handlers,
    });
    await connectKommo(harness.api, org.secretKey);
    const auth = await fakeSupabaseAuth();
    const [named] = await harness.db.query<{ name: string }>('select name from organizations where id = $1', [
      org.orgId,
    ]);
    target = {
      harness,
      org,
      orgName: named!.name,
      fitting: new Map(),
      memberToken: await auth.legacyToken(org.userId),
      oddSubjectToken: await auth.legacyToken('not-a-user-id'),
      kommo,
      queryKeys: await describedQueryKeys(),
    };
    await learnFittingBodies(target);
  });
  afterAll(async () => target?.harness.close());

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s never answers 5xx',
    async (_, route) => {
      await fc.assert(
        fc.asyncProperty(requestFor(route, target), async (input) => {
          const response = await callRoute(target, route, input);
          if (response.status < 300) succeeded.add(`${route.method} ${route.path}`);
          const key = `${route.method} ${route.path}`;
          answered.set(key, (answered.get(key) ?? new Set()).add(response.status));
          await expectNoServerError(response, route);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    },
  );

  it('got past validation into the handlers of most routes', () => {
    // A route naming a resource by id answers a random id with 404, as it should: the fuzz must reach the
    // handler of at least half the routes that name none (it reaches many of the others through real ids too).
    const withoutIds = routes.filter((route) => !route.path.includes(':'));
    expect(succeeded.size, [...succeeded].join('\n')).toBeGreaterThanOrEqual(
      Math.floor(withoutIds.length / 2),
    );
    const reached = withoutIds.filter((route) => succeeded.has(`${route.method} ${route.path}`));
    expect(reached.length, 'routes without ids reached').toBeGreaterThanOrEqual(
      Math.floor(withoutIds.length / 2),
    );
    // Signed events got past the signature to their reading (and some were applied or acknowledged).
    expect(succeeded).toContain('POST /billing/webhooks/stripe');
  });

  it('lists in the description every error status of the derived kinds that a route answered', async () => {
    const described = await describedStatuses();
    const missing: string[] = [];
    for (const [key, statuses] of answered) {
      for (const status of statuses) {
        if (DERIVED_ERROR_STATUSES.includes(status) && !described.get(key)?.has(status)) {
          missing.push(`${key} answered ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(answered.size).toBe(routes.length);
  });

  it('answers every other method on a known path with 405 and the methods it has', async () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of routes)
      byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
    for (const [path, methods] of byPath) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !methods.has(m))) {
        // `/agents/:id/sources/uploads` is also `/agents/:id/sources/:sourceId`: that route answers, not a 405.
        if (routes.some((r) => r.method === method && r.path !== path && patternOf(r.path).test(path)))
          continue;
        const concrete = path.replace(/:[A-Za-z]+/g, crypto.randomUUID());
        const response = await target.harness.api.fetch(concrete, {
          method,
          headers: { authorization: `Bearer ${target.org.secretKey}` },
        });
        expect(response.status, `${method} ${path}`).toBe(405);
        const allow = response.headers.get('allow')?.split(', ') ?? [];
        expect(allow).toEqual(expect.arrayContaining([...methods]));
        expect(z.safeParse(errorBody, await response.json()).success).toBe(true);
      }
    }
  });
});
