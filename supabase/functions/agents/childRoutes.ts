// Routes of a resource that belongs to one agent (/agents/:id/<path>[/:childId]): list, create, patch, delete.
import { id, listQuery, page } from '@closer/contract';
import type * as z from 'zod/mini';
import { tenant } from '../_shared/auth/middleware.ts';
import { patchRow } from '../_shared/db/patch.ts';
import type { Queryable, Row } from '../_shared/db/types.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { findAgent } from '../_shared/resources/agents.ts';

type Agent = Awaited<ReturnType<typeof findAgent>>;

export interface AgentChildResource<T, CreateBody extends z.ZodMiniType> {
  path: string;
  table: string;
  /** "Script", "Knowledge item": names the thing in a 404. */
  what: string;
  /** "sales scripts": names the collection in the API description. */
  plural: string;
  /** The resource as the API answers it. */
  item: z.ZodMiniType;
  /** What POST answers, when not one `item` (a batch). */
  created?: z.ZodMiniType;
  fromRow: (row: Row) => T;
  createBody: CreateBody;
  /** Stores the validated body; answers the created resource, or a list of them for a batch. */
  create: (tx: Queryable, agent: Agent, body: z.output<CreateBody>) => Promise<unknown>;
  /** Partial update: the body schema and which wire field goes to which column. */
  update?: { body: z.ZodMiniType<Record<string, unknown>>; columns: Record<string, string> };
}

const agentParam = { id: { schema: id, what: 'Agent' } };

export function registerChildRoutes<T, CreateBody extends z.ZodMiniType>(
  app: FunctionApp,
  resource: AgentChildResource<T, CreateBody>,
) {
  const collection = `/:id/${resource.path}`;
  const item = `${collection}/:childId`;
  const itemParams = { ...agentParam, childId: { schema: id, what: resource.what } };

  const list = route({
    summary: `List an agent's ${resource.plural}`,
    params: agentParam,
    query: listQuery,
    responses: { 200: page(resource.item) },
  });
  app.get(collection, list, async (c) => {
    const agentId = c.req.valid('param').id;
    const query = c.req.valid('query');
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

  const create = route({
    summary: `Add to an agent's ${resource.plural}`,
    params: agentParam,
    body: resource.createBody,
    responses: { 201: resource.created ?? resource.item },
  });
  app.post(collection, create, async (c) => {
    const agentId = c.req.valid('param').id;
    const body = c.req.valid('json');
    return c.json(
      await tenant(c, async (tx) => resource.create(tx, await findAgent(tx, agentId), body)),
      201,
    );
  });

  const { update } = resource;
  if (update) {
    const patchItem = route({
      summary: `Update one of an agent's ${resource.plural} (partial)`,
      params: itemParams,
      body: update.body,
      responses: { 200: resource.item },
    });
    app.patch(item, patchItem, async (c) => {
      const { id: agentId, childId } = c.req.valid('param');
      const patch = c.req.valid('json');
      const row = await tenant(c, (tx) =>
        patchRow(tx, resource.table, { id: childId, agent_id: agentId }, patch, update.columns),
      );
      if (!row) throw notFound(resource.what);
      return c.json(resource.fromRow(row));
    });
  }

  const deleteItem = route({
    summary: `Delete one of an agent's ${resource.plural}`,
    params: itemParams,
    responses: { 204: null },
  });
  app.delete(item, deleteItem, async (c) => {
    const { id: agentId, childId } = c.req.valid('param');
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
