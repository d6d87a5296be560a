// `privacy`: an organisation's retention period, and a data subject's export and erasure with their audit log.
// Owners and admins (or a secret key): these routes reach every visitor's data.
import {
  erasureRequest,
  erasureResult,
  listQuery,
  type PrivacyAuditEntry,
  page,
  privacyAuditEntry,
  privacyExport,
  privacySubject,
  retentionReport,
  retentionUpdate,
} from '@closer/contract';
import type { Context } from 'hono';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import type { Row } from '../_shared/db/types.ts';
import { type AppEnv, createFunctionApp } from '../_shared/http/app.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import { retentionReport as readRetention } from '../_shared/privacy/retention.ts';
import { type Actor, eraseSubject, exportSubject } from '../_shared/privacy/subject.ts';
import { iso } from '../_shared/resources/time.ts';
import type { Runtime } from '../_shared/runtime.ts';

function actorOf(c: Context<AppEnv>): Actor {
  const principal = c.var.principal;
  if (principal.kind === 'member') return { kind: 'member', id: principal.userId };
  if (principal.kind === 'secret') return { kind: 'secret', id: principal.keyId };
  return { kind: 'visitor', id: null };
}

function auditFromRow(row: Row): PrivacyAuditEntry {
  return {
    id: row.id as string,
    action: row.action as PrivacyAuditEntry['action'],
    actor: {
      kind: row.actor_kind as PrivacyAuditEntry['actor']['kind'],
      id: (row.actor_id as string | null) ?? null,
    },
    subject: row.subject as Record<string, unknown>,
    counts: row.counts as Record<string, unknown>,
    createdAt: iso(row.created_at),
  };
}

export function createPrivacyApp(runtime: Runtime) {
  const app = createFunctionApp('privacy', runtime);
  app.use('*', authorize(access.admin));

  const readRetentionRoute = route({
    summary: "The organisation's retention period, with what the next daily run would remove",
    responses: { 200: retentionReport },
  });
  app.get('/retention', readRetentionRoute, async (c) => c.json(await tenant(c, readRetention)));

  const updateRetention = route({
    summary: 'Set how long conversations are kept (null: forever) and what happens to older leads',
    body: retentionUpdate,
    responses: { 200: retentionReport },
  });
  app.put('/retention', updateRetention, async (c) => {
    const input = c.req.valid('json');
    const actor = actorOf(c);
    return c.json(
      await tenant(c, async (tx) => {
        await tx.query(
          `update public.organizations set retention_days = $1, lead_retention = coalesce($2, lead_retention)
            where id = public.current_org_id()`,
          [input.retentionDays, input.leadRetention ?? null],
        );
        await tx.query(
          `insert into public.privacy_audit (org_id, action, actor_kind, actor_id, subject)
           values (public.current_org_id(), 'retention_settings', $1, $2, $3)`,
          [actor.kind, actor.id, input],
        );
        return readRetention(tx);
      }),
    );
  });

  const exportRoute = route({
    summary: 'Export everything stored about a person (by e-mail, phone or conversation) as JSON',
    body: privacySubject,
    responses: { 200: privacyExport },
  });
  app.post('/export', exportRoute, async (c) => {
    const subject = c.req.valid('json');
    const actor = actorOf(c);
    c.header('cache-control', 'no-store');
    return c.json(await tenant(c, (tx) => exportSubject(tx, subject, actor)));
  });

  const eraseRoute = route({
    summary: "Erase a person's conversations, messages, leads and queued CRM deliveries (dryRun: count only)",
    body: erasureRequest,
    responses: { 200: erasureResult },
  });
  app.post('/erase', eraseRoute, async (c) => {
    const { dryRun = false, ...subject } = c.req.valid('json');
    const actor = actorOf(c);
    return c.json(await tenant(c, (tx) => eraseSubject(tx, subject, actor, dryRun)));
  });

  const auditRoute = route({
    summary: 'The privacy audit log: exports, erasures, retention runs and changes, newest first',
    query: listQuery,
    responses: { 200: page(privacyAuditEntry) },
  });
  app.get('/audit', auditRoute, async (c) => {
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: 'select t.* from public.privacy_audit t',
          where: [],
          params: [],
          limit: query.limit,
          cursor: query.cursor,
          map: auditFromRow,
        }),
      ),
    );
  });

  return app;
}
