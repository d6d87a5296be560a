// GET /chat/v1/models: OpenAI clients list models before they talk; here a model is one of the organisation's
// active agents, listed under its slug and under its id (both work as `model` in chat completions).
import {
  agentRef,
  type OpenAiModel,
  type OpenAiModelList,
  openAiModel,
  openAiModelList,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import type { Row } from '../_shared/db/types.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';

const ACTIVE_AGENTS = `select id, org_id, slug, name, created_at from public.agents
  where status = 'active' order by created_at, id`;

function modelsOf(row: Row): OpenAiModel[] {
  const common = {
    object: 'model' as const,
    created: Math.floor(new Date(row.created_at as string | Date).getTime() / 1000),
    owned_by: row.org_id as string,
    agent_id: row.id as string,
    name: row.name as string,
  };
  return [
    { id: row.slug as string, ...common },
    { id: row.id as string, ...common },
  ];
}

const listModels = route({
  summary: "OpenAI's model list: the organisation's active agents, each under its slug and its id",
  responses: { 200: openAiModelList },
});

const readModel = route({
  summary: 'One model of the list: an active agent by slug or id',
  params: { model: { schema: agentRef, what: 'Model' } },
  responses: { 200: openAiModel },
});

export function registerModelRoutes(app: FunctionApp) {
  app.get('/v1/models', authorize(access.server), listModels, async (c) => {
    const rows = await tenant(c, (tx) => tx.query(ACTIVE_AGENTS));
    const body: OpenAiModelList = { object: 'list', data: rows.flatMap(modelsOf) };
    return c.json(body);
  });

  app.get('/v1/models/:model', authorize(access.server), readModel, async (c) => {
    const ref = c.req.valid('param').model;
    const rows = await tenant(c, (tx) => tx.query(ACTIVE_AGENTS));
    const model = rows.flatMap(modelsOf).find((m) => m.id === ref);
    if (!model) throw notFound(`Model "${ref}"`);
    return c.json(model);
  });
}
