// `agents`: agents and, nested under each, its knowledge, sales scripts and objection answers.
import {
  agentCreate,
  agentUpdate,
  id,
  knowledgeCreateBody,
  listQuery,
  objectionAnswerCreate,
  objectionAnswerUpdate,
  salesScriptCreate,
  salesScriptUpdate,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { readJson, readParam, readQuery } from '../_shared/http/validate.ts';
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
import type { Runtime } from '../_shared/runtime.ts';
import { registerChildRoutes } from './childRoutes.ts';

export function createAgentsApp(runtime: Runtime) {
  const app = createFunctionApp('agents', runtime);
  app.use('*', authorize(access.staff));

  app.get('/', async (c) => {
    const query = readQuery(c, listQuery);
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, { from: AGENT_SELECT, limit: query.limit, cursor: query.cursor, map: agentFromRow }),
      ),
    );
  });

  app.post('/', async (c) => {
    const input = await readJson(c, agentCreate);
    return c.json(await tenant(c, (tx) => createAgent(tx, c.var.principal.orgId, input)), 201);
  });

  app.get('/:id', async (c) => {
    const agentId = readParam(c, 'id', id, 'Agent');
    return c.json(await tenant(c, (tx) => findAgent(tx, agentId)));
  });

  app.patch('/:id', async (c) => {
    const agentId = readParam(c, 'id', id, 'Agent');
    const patch = await readJson(c, agentUpdate);
    return c.json(await tenant(c, (tx) => updateAgent(tx, agentId, patch)));
  });

  // Knowledge, scripts and objections go with the agent; its conversations and leads stay (agentId null).
  app.delete('/:id', async (c) => {
    const agentId = readParam(c, 'id', id, 'Agent');
    const deleted = await tenant(c, (tx) =>
      tx.query('delete from public.agents where id = $1 returning id', [agentId]),
    );
    if (deleted.length === 0) throw notFound('Agent');
    return c.body(null, 204);
  });

  app.post('/:id/rotate-key', authorize(access.admin), async (c) => {
    const agentId = readParam(c, 'id', id, 'Agent');
    return c.json(await tenant(c, (tx) => rotatePublishableKey(tx, agentId)));
  });

  registerChildRoutes(app, {
    path: 'knowledge',
    table: 'company_knowledge',
    what: 'Knowledge item',
    fromRow: knowledgeFromRow,
    createBody: knowledgeCreateBody,
    // One item answers the item; a batch (all or nothing) answers them as a list.
    create: async (tx, agent, body) =>
      'items' in body
        ? { data: await insertKnowledge(tx, agent, body.items), nextCursor: null }
        : (await insertKnowledge(tx, agent, [body]))[0],
  });
  registerChildRoutes(app, {
    path: 'scripts',
    table: 'sales_scripts',
    what: 'Script',
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
    fromRow: objectionFromRow,
    createBody: objectionAnswerCreate,
    create: insertObjection,
    update: {
      body: objectionAnswerUpdate,
      columns: { objection: 'objection', keywords: 'keywords', answer: 'answer' },
    },
  });
  return app;
}
