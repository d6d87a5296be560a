// `leads`: the contacts agents captured, with their CRM sync state.
import { id, lead, leadExportQuery, leadListQuery, leadQualificationHistory, page } from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { type ExportKey, LEAD_COLUMNS, leadBatch } from '../_shared/exports/leads.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { csvDownloadResponse, csvFilename, csvResponse } from '../_shared/http/csv.ts';
import { ApiError, notFound } from '../_shared/http/errors.ts';
import { Filters } from '../_shared/http/filters.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { queueLeadSync } from '../_shared/kommo/leadQueue.ts';
import { leadQualificationHistory as qualificationOf } from '../_shared/qualification/history.ts';
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
    const filters = leadFilters(query);
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

  const exportLeads = route({
    summary: 'Download the leads as CSV (the filters of the list), oldest first',
    description:
      'UTF-8 with a byte order mark, comma-separated, CRLF line ends, a header row; cells that would start with ' +
      '=, +, -, @, a tab or a carriage return are prefixed with an apostrophe so spreadsheets show them as text. ' +
      'Streamed: any number of leads. Times are ISO 8601 in UTC.',
    query: leadExportQuery,
    responses: { 200: csvDownloadResponse('One row per lead', LEAD_COLUMNS) },
  });
  app.get('/export', exportLeads, async (c) => {
    const query = c.req.valid('query');
    const filters = leadFilters(query);
    return csvResponse<ExportKey>({
      filename: csvFilename('leads', query),
      columns: LEAD_COLUMNS,
      read: (after) => tenant(c, (tx) => leadBatch(tx, filters, after)),
      requestId: c.var.requestId,
    });
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

  const readQualification = route({
    summary: "Read a lead's qualification: score, band, answers and reason, with the history of changes",
    description:
      'The history is newest first, at most 100 changes. `current` is null until an answer is gathered.',
    params: { id: { schema: id, what: 'Lead' } },
    responses: { 200: leadQualificationHistory },
  });
  app.get('/:id/qualification', readQualification, async (c) => {
    const leadId = c.req.valid('param').id;
    return c.json(await tenant(c, (tx) => qualificationOf(tx, leadId)));
  });

  const syncLead = route({
    summary: 'Send a lead to Kommo again (after a failed sync, or one captured before Kommo was connected)',
    description:
      'Queues the lead for Kommo and answers it `pending`; the worker sends it within seconds. 409 when Kommo is ' +
      'not connected or the lead is already in Kommo (`synced`).',
    params: { id: { schema: id, what: 'Lead' } },
    responses: { 200: lead },
  });
  app.post('/:id/sync', syncLead, async (c) => {
    const leadId = c.req.valid('param').id;
    const { orgId } = c.var.principal;
    const row = await tenant(c, async (tx) => {
      const [current] = await tx.query<{ crm_state: string }>(
        'select crm_state from public.leads where id = $1 for update',
        [leadId],
      );
      if (!current) throw notFound('Lead');
      if (current.crm_state === 'synced') throw new ApiError('conflict', 'The lead is already in Kommo');
      const queued = await queueLeadSync(tx, orgId, leadId);
      if (!queued) throw new ApiError('conflict', 'Kommo is not connected: connect it in the settings first');
      return queued;
    });
    return c.json(leadFromRow(row));
  });

  return app;
}

function leadFilters(query: {
  agentId?: string | undefined;
  status?: string | undefined;
  crmState?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): Filters {
  return new Filters()
    .add('t.agent_id = $?', query.agentId)
    .add('t.status = $?', query.status)
    .add('t.crm_state = $?', query.crmState)
    .add('t.created_at >= $?::timestamptz', query.from)
    .add('t.created_at < $?::timestamptz', query.to);
}
