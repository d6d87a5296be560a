// GET /chat/v1/models: OpenAI clients list models before they talk; here a model is one of the organisation's
// active agents, listed under its slug and under its id (both work as `model` in chat completions).
import type { OpenAiModel, OpenAiModelList } from '@closer/contract';
import { authenticate, tenant } from '../_shared/auth/middleware.ts';
import type { Row } from '../_shared/db/types.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';

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

export function registerModelRoutes(app: FunctionApp) {
  app.get('/v1/models', authenticate(['secret']), async (c) => {
    const rows = await tenant(c, (tx) => tx.query(ACTIVE_AGENTS));
    const body: OpenAiModelList = { object: 'list', data: rows.flatMap(modelsOf) };
    return c.json(body);
  });

  app.get('/v1/models/:model', authenticate(['secret']), async (c) => {
    const ref = c.req.param('model');
    const rows = await tenant(c, (tx) => tx.query(ACTIVE_AGENTS));
    const model = rows.flatMap(modelsOf).find((m) => m.id === ref);
    if (!model) throw notFound(`Model "${ref}"`);
    return c.json(model);
  });
}
