// Routes of a resource that belongs to one agent (/agents/:id/<path>[/:childId]): list, create, patch, delete.
import { id, listQuery } from '@closer/contract';
import type { Context } from 'hono';
import type * as z from 'zod/mini';
import { tenant } from '../_shared/auth/middleware.ts';
import { patchRow } from '../_shared/db/patch.ts';
import type { Queryable, Row } from '../_shared/db/types.ts';
import type { AppEnv, FunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { readJson, readParam, readQuery } from '../_shared/http/validate.ts';
import { findAgent } from '../_shared/resources/agents.ts';

type Agent = Awaited<ReturnType<typeof findAgent>>;

export interface AgentChildResource<T, CreateBody extends z.ZodMiniType> {
  path: string;
  table: string;
  /** "Script", "Knowledge item": names the thing in a 404. */
  what: string;
  fromRow: (row: Row) => T;
  createBody: CreateBody;
  /** Stores the validated body; answers the created resource, or a list of them for a batch. */
  create: (tx: Queryable, agent: Agent, body: z.output<CreateBody>) => Promise<unknown>;
  /** Partial update: the body schema and which wire field goes to which column. */
  update?: { body: z.ZodMiniType<Record<string, unknown>>; columns: Record<string, string> };
}

const agentIdOf = (c: Context<AppEnv>) => readParam(c, 'id', id, 'Agent');

export function registerChildRoutes<T, CreateBody extends z.ZodMiniType>(
  app: FunctionApp,
  resource: AgentChildResource<T, CreateBody>,
) {
  const collection = `/:id/${resource.path}`;
  const item = `${collection}/:childId`;
  const childIdOf = (c: Context<AppEnv>) => readParam(c, 'childId', id, resource.what);

  app.get(collection, async (c) => {
    const agentId = agentIdOf(c);
    const query = readQuery(c, listQuery);
    return c.json(
      await tenant(c, async (tx) => {
        await findAgent(tx, agentId);
        return listPage(tx, {
          from: `select t.* from public.${resource.table} t`,
          where: ['t.agent_id = $1'],
          params: [agentId],
          limit: query.limit,
          cursor: query.cursor,
          map: resource.fromRow,
        });
      }),
    );
  });

  app.post(collection, async (c) => {
    const agentId = agentIdOf(c);
    const body = await readJson(c, resource.createBody);
    return c.json(
      await tenant(c, async (tx) => resource.create(tx, await findAgent(tx, agentId), body)),
      201,
    );
  });

  const { update } = resource;
  if (update) {
    app.patch(item, async (c) => {
      const agentId = agentIdOf(c);
      const childId = childIdOf(c);
      const patch = await readJson(c, update.body);
      const row = await tenant(c, (tx) =>
        patchRow(tx, resource.table, { id: childId, agent_id: agentId }, patch, update.columns),
      );
      if (!row) throw notFound(resource.what);
      return c.json(resource.fromRow(row));
    });
  }

  app.delete(item, async (c) => {
    const agentId = agentIdOf(c);
    const childId = childIdOf(c);
    const deleted = await tenant(c, (tx) =>
      tx.query(`delete from public.${resource.table} where id = $1 and agent_id = $2 returning id`, [
        childId,
        agentId,
      ]),
    );
    if (deleted.length === 0) throw notFound(resource.what);
    return c.body(null, 204);
  });
}
