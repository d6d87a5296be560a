// `leads`: the contacts agents captured, with their CRM sync state.
import { id, lead, leadListQuery, page } from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { Filters } from '../_shared/http/filters.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { leadFromRow } from '../_shared/resources/conversations.ts';
import type { Runtime } from '../_shared/runtime.ts';

export function createLeadsApp(runtime: Runtime) {
  const app = createFunctionApp('leads', runtime);
  app.use('*', authorize(access.staff));

  const listLeads = route({
    summary: 'List leads, newest first',
    query: leadListQuery,
    responses: { 200: page(lead) },
  });
  app.get('/', listLeads, async (c) => {
    const query = c.req.valid('query');
    const filters = new Filters()
      .add('t.agent_id = $?', query.agentId)
      .add('t.status = $?', query.status)
      .add('t.crm_state = $?', query.crmState)
      .add('t.created_at >= $?::timestamptz', query.from)
      .add('t.created_at < $?::timestamptz', query.to);
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: 'select t.* from public.leads t',
          where: filters.where,
          params: filters.params,
          limit: query.limit,
          cursor: query.cursor,
          map: leadFromRow,
        }),
      ),
    );
  });

  const readLead = route({
    summary: 'Read a lead with its CRM sync state',
    params: { id: { schema: id, what: 'Lead' } },
    responses: { 200: lead },
  });
  app.get('/:id', readLead, async (c) => {
    const leadId = c.req.valid('param').id;
    const [row] = await tenant(c, (tx) => tx.query('select * from public.leads where id = $1', [leadId]));
    if (!row) throw notFound('Lead');
    return c.json(leadFromRow(row));
  });

  return app;
}
