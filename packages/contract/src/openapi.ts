// The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the server validates with.
import * as z from 'zod/mini';
import * as c from './index.ts';

type Auth = 'secret' | 'member' | 'publishable' | 'user' | 'none';
type Method = 'get' | 'post' | 'patch' | 'delete';

interface Route {
  method: Method;
  path: string;
  summary: string;
  auth: Auth[];
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  response?: z.ZodMiniType;
  status?: number;
  /** Takes a form-encoded body (Kommo's webhooks) rather than JSON. */
  form?: true;
}

const admin: Auth[] = ['secret', 'member'];
const idParam = (name: string) => `{${name}}`;
const agentPath = `/agents/${idParam('agentId')}`;

const child = (
  path: string,
  what: string,
  item: z.ZodMiniType,
  create: z.ZodMiniType,
  update?: z.ZodMiniType,
): Route[] => [
  {
    method: 'get',
    path: `${agentPath}/${path}`,
    summary: `List an agent's ${what}`,
    auth: admin,
    query: c.listQuery,
    response: c.page(item),
  },
  {
    method: 'post',
    path: `${agentPath}/${path}`,
    summary: `Add to an agent's ${what}`,
    auth: admin,
    body: create,
    response: item,
    status: 201,
  },
  ...(update
    ? [
        {
          method: 'patch',
          path: `${agentPath}/${path}/{id}`,
          summary: `Update one of an agent's ${what}`,
          auth: admin,
          body: update,
          response: item,
        } as Route,
      ]
    : []),
  {
    method: 'delete',
    path: `${agentPath}/${path}/{id}`,
    summary: `Delete one of an agent's ${what}`,
    auth: admin,
    status: 204,
  },
];

export const routes: Route[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness and version',
    auth: ['none'],
    response: c.health,
  },
  {
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness of the database and the LLM configuration',
    auth: ['none'],
    response: c.readiness,
  },
  {
    method: 'get',
    path: '/agents',
    summary: 'List agents',
    auth: admin,
    query: c.listQuery,
    response: c.page(c.agent),
  },
  {
    method: 'post',
    path: '/agents',
    summary: 'Create an agent',
    auth: admin,
    body: c.agentCreate,
    response: c.agent,
    status: 201,
  },
  { method: 'get', path: agentPath, summary: 'Read an agent', auth: admin, response: c.agent },
  {
    method: 'patch',
    path: agentPath,
    summary: 'Update an agent (partial)',
    auth: admin,
    body: c.agentUpdate,
    response: c.agent,
  },
  {
    method: 'delete',
    path: agentPath,
    summary:
      'Delete an agent with its knowledge, scripts and objection answers; conversations and leads stay',
    auth: admin,
    status: 204,
  },
  {
    method: 'post',
    path: `${agentPath}/rotate-key`,
    summary: 'Issue a new publishable key',
    auth: admin,
    response: c.agent,
  },
  ...child('knowledge', 'knowledge', c.knowledgeItem, c.knowledgeCreateBody),
  ...child('scripts', 'sales scripts', c.salesScript, c.salesScriptCreate, c.salesScriptUpdate),
  ...child(
    'objections',
    'objection answers',
    c.objectionAnswer,
    c.objectionAnswerCreate,
    c.objectionAnswerUpdate,
  ),
  {
    method: 'get',
    path: '/knowledge-base/categories',
    summary: 'List knowledge base categories',
    auth: admin,
    query: c.listQuery,
    response: c.page(c.knowledgeCategory),
  },
  {
    method: 'post',
    path: '/knowledge-base/categories',
    summary: 'Create a category',
    auth: admin,
    body: c.knowledgeCategoryCreate,
    response: c.knowledgeCategory,
    status: 201,
  },
  {
    method: 'patch',
    path: '/knowledge-base/categories/{id}',
    summary: 'Update a category',
    auth: admin,
    body: c.knowledgeCategoryUpdate,
    response: c.knowledgeCategory,
  },
  {
    method: 'delete',
    path: '/knowledge-base/categories/{id}',
    summary: 'Delete a category and its articles',
    auth: admin,
    status: 204,
  },
  {
    method: 'get',
    path: '/knowledge-base/articles',
    summary: 'List or search articles',
    auth: admin,
    query: c.knowledgeArticleListQuery,
    response: c.page(c.knowledgeArticle),
  },
  {
    method: 'post',
    path: '/knowledge-base/articles',
    summary: 'Create an article',
    auth: admin,
    body: c.knowledgeArticleCreate,
    response: c.knowledgeArticle,
    status: 201,
  },
  {
    method: 'get',
    path: '/knowledge-base/articles/{id}',
    summary: 'Read an article',
    auth: admin,
    response: c.knowledgeArticle,
  },
  {
    method: 'patch',
    path: '/knowledge-base/articles/{id}',
    summary: 'Update an article',
    auth: admin,
    body: c.knowledgeArticleUpdate,
    response: c.knowledgeArticle,
  },
  {
    method: 'delete',
    path: '/knowledge-base/articles/{id}',
    summary: 'Delete an article',
    auth: admin,
    status: 204,
  },
  {
    method: 'post',
    path: '/organizations',
    summary: 'Create an organization; the signed-in user becomes its owner',
    auth: ['user'],
    body: c.organizationCreate,
    response: c.organization,
    status: 201,
  },
  {
    method: 'get',
    path: '/organizations',
    summary: "The caller's organizations",
    auth: ['secret', 'user'],
    response: c.page(c.organization),
  },
  {
    method: 'get',
    path: '/organizations/current',
    summary: 'The organization this request acts for',
    auth: admin,
    response: c.organization,
  },
  {
    method: 'get',
    path: '/organizations/members',
    summary: 'Members with their e-mail and role',
    auth: admin,
    response: c.page(c.organizationMember),
  },
  {
    method: 'patch',
    path: '/organizations/members/{userId}',
    summary: "Change a member's role (owners; the last owner stays an owner)",
    auth: ['member'],
    body: c.memberUpdate,
    response: c.organizationMember,
  },
  {
    method: 'delete',
    path: '/organizations/members/{userId}',
    summary: 'Remove a member (owners; never the last owner)',
    auth: ['member'],
    status: 204,
  },
  {
    method: 'get',
    path: '/organizations/invitations',
    summary: 'Pending invitations (owners and admins)',
    auth: admin,
    response: c.page(c.organizationInvitation),
  },
  {
    method: 'post',
    path: '/organizations/invitations',
    summary: 'Invite someone by e-mail (owners); accepted when they sign in',
    auth: ['member'],
    body: c.invitationCreate,
    response: c.organizationInvitation,
    status: 201,
  },
  {
    method: 'delete',
    path: '/organizations/invitations/{id}',
    summary: 'Withdraw a pending invitation (owners)',
    auth: ['member'],
    status: 204,
  },
  {
    method: 'get',
    path: '/organizations/api-keys',
    summary: 'List secret keys (owners and admins)',
    auth: admin,
    query: c.listQuery,
    response: c.page(c.apiKey),
  },
  {
    method: 'post',
    path: '/organizations/api-keys',
    summary: 'Create a secret key; its plaintext is shown only here',
    auth: admin,
    body: c.apiKeyCreate,
    response: c.apiKeyCreated,
    status: 201,
  },
  {
    method: 'delete',
    path: '/organizations/api-keys/{id}',
    summary: 'Revoke a secret key',
    auth: admin,
    status: 204,
  },
  {
    method: 'get',
    path: '/conversations',
    summary: 'List conversations',
    auth: admin,
    query: c.conversationListQuery,
    response: c.page(c.conversation),
  },
  {
    method: 'get',
    path: '/conversations/{id}',
    summary: 'Read a conversation with its messages',
    auth: admin,
    response: c.conversationWithMessages,
  },
  {
    method: 'get',
    path: '/leads',
    summary: 'List leads',
    auth: admin,
    query: c.leadListQuery,
    response: c.page(c.lead),
  },
  {
    method: 'get',
    path: '/leads/{id}',
    summary: 'Read a lead with its CRM sync state',
    auth: admin,
    response: c.lead,
  },
  {
    method: 'post',
    path: '/kommo/oauth/start',
    summary: "The URL of Kommo's authorisation page (signed state, 10 minutes, single use)",
    auth: admin,
    body: c.kommoOauthStartRequest,
    response: c.kommoOauthStart,
  },
  {
    method: 'get',
    path: '/kommo/oauth/callback',
    summary: 'Where Kommo sends the user back; redirects to the returnUrl with ?kommo=connected|error',
    auth: ['none'],
  },
  {
    method: 'get',
    path: '/kommo',
    summary: 'The Kommo connection: status, account, settings, last sync and error',
    auth: admin,
    response: c.kommoConnection,
  },
  {
    method: 'post',
    path: '/kommo',
    summary: 'Change the lead-sync settings (validated against the synced pipelines and users)',
    auth: admin,
    body: c.kommoSettingsUpdate,
    response: c.kommoConnection,
  },
  {
    method: 'delete',
    path: '/kommo',
    summary: 'Disconnect Kommo and erase its tokens',
    auth: admin,
    status: 204,
  },
  {
    method: 'get',
    path: '/kommo/pipelines',
    summary: 'Pipelines with their stages, and users (read from Kommo the first time)',
    auth: admin,
    response: c.kommoCatalog,
  },
  {
    method: 'post',
    path: '/kommo/sync',
    summary: 'Read pipelines, stages and users from Kommo again',
    auth: admin,
    response: c.kommoCatalog,
  },
  {
    method: 'post',
    path: '/kommo/worker',
    summary: 'Run the lead-sync outbox (pg_cron, with CLOSER_WORKER_SECRET)',
    auth: ['none'],
  },
  {
    method: 'post',
    path: '/kommo/webhooks/{token}',
    summary:
      "Kommo's webhook deliveries (form-encoded, leads[status][0][id]=…); the connection's secret is the path",
    auth: ['none'],
    form: true,
  },
  {
    method: 'get',
    path: '/dashboard',
    summary: 'Statistics for whole days in a time zone',
    auth: admin,
    query: c.dashboardQuery,
    response: c.dashboard,
  },
];

const security: Record<Exclude<Auth, 'none'>, string> = {
  secret: 'secretKey',
  member: 'memberToken',
  user: 'memberToken',
  publishable: 'publishableKey',
};

const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const json = (schema: z.ZodMiniType, io: 'input' | 'output') => ({
  'application/json': { schema: jsonSchema(schema, io) },
});

/** The whole document; `serverUrl` is the functions base, e.g. `https://<project>.supabase.co/functions/v1`. */
export function openApiDocument(version: string, serverUrl = 'http://localhost:54321/functions/v1') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        // Ids are UUIDs; a webhook token is an opaque secret.
        schema: m[1] === 'token' ? { type: 'string' } : { type: 'string', format: 'uuid' },
      })),
      ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !z.safeParse(schema as z.ZodMiniType, undefined).success,
        schema: jsonSchema(schema as z.ZodMiniType, 'input'),
      })),
    ];
    const status = String(route.status ?? 200);
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      security: route.auth.includes('none')
        ? []
        : [...new Set(route.auth.map((a) => security[a as Exclude<Auth, 'none'>]))].map((s) => ({ [s]: [] })),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: json(route.body, 'input') } } : {}),
      ...(route.form
        ? {
            requestBody: {
              required: true,
              content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } },
            },
          }
        : {}),
      responses: {
        [status]: route.response
          ? { description: 'Success', content: json(route.response, 'output') }
          : { description: 'Success, no content' },
        default: { description: 'The error envelope', content: json(c.errorBody, 'output') },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Closer API',
      version,
      description:
        'AI sales agents for websites and Kommo. Every error is { error: { code, message, requestId, details? } }; ' +
        'lists are { data, nextCursor }. The chat stream (POST /chat, Server-Sent Events) is described in docs/api.md.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'sk_… secret key, server-side only' },
        memberToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Supabase Auth access token',
        },
        publishableKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'pk_… key of one agent, for the widget',
        },
      },
    },
    paths,
  };
}
