// `agents`: agents and, nested under each, its knowledge, sales scripts and objection answers.
import {
  agent,
  agentCreate,
  agentUpdate,
  embedCheck,
  embedCheckQuery,
  id,
  knowledgeCreateBody,
  knowledgeItem,
  listQuery,
  objectionAnswer,
  objectionAnswerCreate,
  objectionAnswerUpdate,
  page,
  retrieval,
  retrievalRequest,
  salesScript,
  salesScriptCreate,
  salesScriptUpdate,
} from '@closer/contract';
import * as z from 'zod/mini';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { originAllowed } from '../_shared/auth/publishableKeys.ts';
import { requireRoom, textBytes } from '../_shared/billing/usage.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { storedFilesOf } from '../_shared/knowledge/sources/sources.ts';
import {
  insertKnowledge,
  insertObjection,
  insertScript,
  knowledgeFromRow,
  objectionFromRow,
  scriptFromRow,
} from '../_shared/resources/agentContent.ts';
import {
  AGENT_SELECT,
  agentFromRow,
  createAgent,
  findAgent,
  rotatePublishableKey,
  updateAgent,
} from '../_shared/resources/agents.ts';
import { groundingFor, stageFor } from '../_shared/retrieval/retrieve.ts';
import { embedQuestion } from '../_shared/retrieval/semantic.ts';
import { isSmallTalk } from '../_shared/retrieval/smallTalk.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { registerChildRoutes } from './childRoutes.ts';
import { registerQualificationRoutes } from './qualification.ts';
import { registerSourceRoutes, removeStoredFiles, UPLOAD_BODY_BYTES, UPLOAD_PATH } from './sources.ts';

const agentParam = { id: { schema: id, what: 'Agent' } };

export function createAgentsApp(runtime: Runtime) {
  const app = createFunctionApp('agents', runtime, {
    largeBodies: [{ path: UPLOAD_PATH, mediaType: 'multipart/form-data', maxBytes: UPLOAD_BODY_BYTES }],
  });
  app.use('*', authorize(access.staff));

  const listAgents = route({ summary: 'List agents', query: listQuery, responses: { 200: page(agent) } });
  app.get('/', listAgents, async (c) => {
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, { from: AGENT_SELECT, limit: query.limit, cursor: query.cursor, map: agentFromRow }),
      ),
    );
  });

  const createAgentRoute = route({
    summary: 'Create an agent',
    body: agentCreate,
    responses: { 201: agent },
  });
  app.post('/', createAgentRoute, async (c) => {
    const input = c.req.valid('json');
    return c.json(
      await tenant(c, async (tx) => {
        await requireRoom(tx, runtime.env, 'agents');
        return createAgent(tx, c.var.principal.orgId, input);
      }),
      201,
    );
  });

  const readAgent = route({ summary: 'Read an agent', params: agentParam, responses: { 200: agent } });
  app.get('/:id', readAgent, async (c) => {
    const agentId = c.req.valid('param').id;
    return c.json(await tenant(c, (tx) => findAgent(tx, agentId)));
  });

  const updateAgentRoute = route({
    summary: 'Update an agent (partial; unknown fields are refused)',
    params: agentParam,
    body: agentUpdate,
    responses: { 200: agent },
  });
  app.patch('/:id', updateAgentRoute, async (c) => {
    const agentId = c.req.valid('param').id;
    const patch = c.req.valid('json');
    return c.json(await tenant(c, (tx) => updateAgent(tx, agentId, patch)));
  });

  // Knowledge, scripts and objections go with the agent; its conversations and leads stay (agentId null).
  const deleteAgent = route({
    summary:
      'Delete an agent with its knowledge, sources, scripts and objection answers; conversations and leads stay',
    params: agentParam,
    responses: { 204: null },
  });
  app.delete('/:id', deleteAgent, async (c) => {
    const agentId = c.req.valid('param').id;
    const { deleted, files } = await tenant(c, async (tx) => ({
      files: await storedFilesOf(tx, agentId),
      deleted: await tx.query('delete from public.agents where id = $1 returning id', [agentId]),
    }));
    if (deleted.length === 0) throw notFound('Agent');
    // The sources went with the agent; their uploaded files go too (a failure is only logged: nothing points there).
    await removeStoredFiles(c, files);
    return c.body(null, 204);
  });

  const rotateKey = route({
    summary: 'Issue a new publishable key; the old one stops working at once',
    params: agentParam,
    responses: { 200: agent },
  });
  app.post('/:id/rotate-key', authorize(access.admin), rotateKey, async (c) => {
    const agentId = c.req.valid('param').id;
    return c.json(await tenant(c, (tx) => rotatePublishableKey(tx, agentId)));
  });

  registerQualificationRoutes(app);

  // The same rule the chat routes apply to a publishable key's requests, asked for a page address.
  const checkEmbed = route({
    summary: "Whether the agent's widget loads on a page: its origin allowed and the agent active",
    params: agentParam,
    query: embedCheckQuery,
    responses: { 200: embedCheck },
  });
  app.get('/:id/embed-check', checkEmbed, async (c) => {
    const agentId = c.req.valid('param').id;
    const { pageUrl } = c.req.valid('query');
    const found = await tenant(c, (tx) => findAgent(tx, agentId));
    const origin = new URL(pageUrl).origin;
    const allowed = originAllowed(found.allowedOrigins, origin);
    const active = found.status === 'active';
    return c.json({ pageUrl, origin, originAllowed: allowed, agentActive: active, loads: allowed && active });
  });

  // "Why this answer": what a reply to the message would be grounded on, for playgrounds and debugging.
  const retrieveRoute = route({
    summary:
      'Show the passages, objection answers and script stage a reply to a message would use, with scores',
    description:
      "Runs the chat's retrieval for `message` (and the previous `user` turn of `history`) without storing " +
      'anything or calling a model. The prompt may leave out the least relevant passages to fit the model.',
    params: agentParam,
    body: retrievalRequest,
    responses: { 200: retrieval },
  });
  app.post('/:id/retrieve', retrieveRoute, async (c) => {
    const agentId = c.req.valid('param').id;
    const { message, history = [] } = c.req.valid('json');
    const stage = stageFor(history.filter((turn) => turn.role === 'user').length + 1, false);
    const question = embedQuestion(runtime.semantic, isSmallTalk(message) ? '' : message, c.var.requestId);
    const found = await tenant(c, async (tx) =>
      groundingFor(tx, await findAgent(tx, agentId), { message, history, stage, question }),
    );
    return c.json({
      passages: found.passages,
      objections: found.objections,
      script: found.script,
      stage,
    });
  });

  registerChildRoutes(app, {
    path: 'knowledge',
    table: 'company_knowledge',
    what: 'Knowledge item',
    plural: 'knowledge items',
    item: knowledgeItem,
    created: z.union([knowledgeItem, page(knowledgeItem)]),
    fromRow: knowledgeFromRow,
    createBody: knowledgeCreateBody,
    // One item answers the item; a batch (all or nothing) answers them as a list.
    create: async (tx, agent, body) => {
      const items = 'items' in body ? body.items : [body];
      await requireRoom(
        tx,
        runtime.env,
        'knowledgeBytes',
        textBytes(...items.flatMap((i) => [i.title, i.content])),
      );
      const created = await insertKnowledge(tx, agent, items);
      return 'items' in body ? { data: created, nextCursor: null } : created[0];
    },
  });
  registerChildRoutes(app, {
    path: 'scripts',
    table: 'sales_scripts',
    what: 'Script',
    plural: 'sales scripts',
    item: salesScript,
    fromRow: scriptFromRow,
    createBody: salesScriptCreate,
    create: insertScript,
    update: {
      body: salesScriptUpdate,
      columns: { stage: 'stage', name: 'name', content: 'content', position: 'position' },
    },
  });
  registerChildRoutes(app, {
    path: 'objections',
    table: 'objection_responses',
    what: 'Objection answer',
    plural: 'objection answers',
    item: objectionAnswer,
    fromRow: objectionFromRow,
    createBody: objectionAnswerCreate,
    create: insertObjection,
    update: {
      body: objectionAnswerUpdate,
      columns: { objection: 'objection', keywords: 'keywords', answer: 'answer' },
    },
  });
  registerSourceRoutes(app);
  return app;
}
