// Two organisations with one row in every tenant table, written as the owner (RLS bypassed), for isolation tests.
import { randomUUID } from 'node:crypto';
import { generatePublishableKey } from '@closer/functions/_shared/auth/publishableKeys.ts';
import {
  generateSecretKey,
  hashSecretKey,
  secretKeyPrefix,
} from '@closer/functions/_shared/auth/secretKeys.ts';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import type { Queryable } from '@closer/functions/_shared/db/types.ts';
import { addSigningSecret } from '@closer/functions/_shared/webhooks/sealedSecrets.ts';
import { TEST_SEALING_KEYS } from './encryptionKey.ts';

export interface TenantFixture {
  orgId: string;
  userId: string;
  agentId: string;
  knowledgeId: string;
  categoryId: string;
  conversationId: string;
  leadId: string;
  secretKey: string;
  keyId: string;
  publishableKey: string;
}

/** Every table of the schema that holds tenant rows, mapped to the column naming the tenant. */
export const tenantTables: Record<string, 'org_id' | 'id'> = {
  organizations: 'id',
  organization_members: 'org_id',
  organization_invitations: 'org_id',
  api_keys: 'org_id',
  agents: 'org_id',
  company_knowledge: 'org_id',
  knowledge_chunks: 'org_id',
  knowledge_chunk_embeddings: 'org_id',
  knowledge_sources: 'org_id',
  knowledge_source_runs: 'org_id',
  knowledge_terms: 'org_id',
  sales_scripts: 'org_id',
  objection_responses: 'org_id',
  knowledge_categories: 'org_id',
  knowledge_articles: 'org_id',
  knowledge_article_embeddings: 'org_id',
  agent_knowledge_categories: 'org_id',
  conversations: 'org_id',
  messages: 'org_id',
  conversation_events: 'org_id',
  leads: 'org_id',
  kommo_connections: 'org_id',
  oauth_states: 'org_id',
  webhook_events: 'org_id',
  kommo_talks: 'org_id',
  rate_limits: 'org_id',
  usage_counters: 'org_id',
  jobs: 'org_id',
  knowledge_gaps: 'org_id',
  privacy_audit: 'org_id',
  booking_connections: 'org_id',
  qualification_plans: 'org_id',
  qualifications: 'org_id',
  qualification_changes: 'org_id',
  webhook_endpoints: 'org_id',
  webhook_secrets: 'org_id',
  webhook_deliveries: 'org_id',
  webhook_attempts: 'org_id',
  billing_accounts: 'org_id',
  billing_usage: 'org_id',
};

/** Tables a tenant may at most append to and read, never change: no update or delete policy at all. */
export const appendOnlyTables = new Set([
  'privacy_audit',
  'conversation_events',
  'billing_accounts',
  'billing_usage',
  'qualification_changes',
]);

/**
 * A booking connection row for the table-by-table isolation tests (not made by createTenant: a connected calendar
 * changes the tools a chat offers). Its key is no real ciphertext.
 */
export async function addBookingConnection(db: Queryable, f: { orgId: string }): Promise<void> {
  await db.query(
    `insert into public.booking_connections (org_id, provider, api_key_enc, api_key_hint, event_type_id, api_url, booker_url)
     values ($1, 'calcom', 'v1.fixture.sealed', 'abcd', 42, 'https://api.cal.com', 'https://cal.com')`,
    [f.orgId],
  );
}

export async function createTenant(
  db: Queryable,
  name: string,
  options: { allowedOrigins?: string[] } = {},
): Promise<TenantFixture> {
  const id = () => randomUUID();
  const f: TenantFixture = {
    orgId: id(),
    userId: id(),
    agentId: id(),
    knowledgeId: id(),
    categoryId: id(),
    conversationId: id(),
    leadId: id(),
    secretKey: generateSecretKey(),
    keyId: id(),
    publishableKey: generatePublishableKey(),
  };
  const hash = '0'.repeat(64);
  const q = (text: string, params: unknown[]) => db.query(text, params);
  await q('insert into auth.users (id, email) values ($1, $2)', [
    f.userId,
    `${name.toLowerCase()}@example.com`,
  ]);
  await q('insert into public.organizations (id, name) values ($1, $2)', [f.orgId, name]);
  await q(`insert into public.organization_members (org_id, user_id, role) values ($1, $2, 'owner')`, [
    f.orgId,
    f.userId,
  ]);
  await q(`insert into public.organization_invitations (org_id, email, invited_by) values ($1, $2, $3)`, [
    f.orgId,
    `invited@${name.toLowerCase()}.example`,
    f.userId,
  ]);
  await q('insert into public.api_keys (id, org_id, name, prefix, key_hash) values ($1, $2, $3, $4, $5)', [
    f.keyId,
    f.orgId,
    `${name} key`,
    secretKeyPrefix(f.secretKey),
    hashSecretKey(f.secretKey),
  ]);
  await q(
    `insert into public.agents (id, org_id, name, slug, publishable_key, allowed_origins)
     values ($1, $2, $3, 'sales', $4, $5)`,
    [
      f.agentId,
      f.orgId,
      `${name} agent`,
      f.publishableKey,
      options.allowedOrigins ?? [`https://${name.toLowerCase()}.example`],
    ],
  );
  await q(
    `insert into public.company_knowledge (id, org_id, agent_id, title, content) values ($1, $2, $3, 'Pricing', 'It costs money')`,
    [f.knowledgeId, f.orgId, f.agentId],
  );
  await q(
    `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, content) values ($1, $2, $3, 0, 'It costs money')`,
    [f.orgId, f.agentId, f.knowledgeId],
  );
  await q(
    `insert into public.knowledge_chunk_embeddings (chunk_id, org_id, agent_id, model, dimensions, source_hash, embedding)
     select id, org_id, agent_id, 'fixture', 3, md5(content), '[1,0,0]' from public.knowledge_chunks where knowledge_id = $1`,
    [f.knowledgeId],
  );
  await q(
    `insert into public.sales_scripts (org_id, agent_id, stage, name, content) values ($1, $2, 'opening', 'Hello', 'Say hello')`,
    [f.orgId, f.agentId],
  );
  await q(
    `insert into public.objection_responses (org_id, agent_id, objection, answer) values ($1, $2, 'Too expensive', 'It pays back')`,
    [f.orgId, f.agentId],
  );
  await q(`insert into public.knowledge_categories (id, org_id, name) values ($1, $2, 'Policies')`, [
    f.categoryId,
    f.orgId,
  ]);
  await q(
    `insert into public.knowledge_articles (org_id, category_id, title, content) values ($1, $2, 'Hours', 'Nine to five')`,
    [f.orgId, f.categoryId],
  );
  await q(
    `insert into public.knowledge_article_embeddings (article_id, position, org_id, model, dimensions, source_hash, embedding)
     select id, 0, org_id, 'fixture', 3, md5(title || E'\\n' || content), '[0,1,0]'
     from public.knowledge_articles where category_id = $1`,
    [f.categoryId],
  );
  await q(
    'insert into public.agent_knowledge_categories (org_id, agent_id, category_id) values ($1, $2, $3)',
    [f.orgId, f.agentId, f.categoryId],
  );
  await q(
    'insert into public.conversations (id, org_id, agent_id, visitor_token_hash) values ($1, $2, $3, $4)',
    [f.conversationId, f.orgId, f.agentId, hash],
  );
  await q(
    `insert into public.messages (org_id, conversation_id, role, content) values ($1, $2, 'user', 'Hi')`,
    [f.orgId, f.conversationId],
  );
  await q(
    `insert into public.conversation_events (org_id, conversation_id, type, data)
     values ($1, $2, 'state', '{"status":"human","assignee":{"name":"Olga","avatarUrl":null}}')`,
    [f.orgId, f.conversationId],
  );
  await q(
    `insert into public.leads (id, org_id, agent_id, conversation_id, name) values ($1, $2, $3, $4, 'Ann')`,
    [f.leadId, f.orgId, f.agentId, f.conversationId],
  );
  const [connection] = await db.query<{ id: string }>(
    // Disconnected: a row for the isolation tests that does not make every captured lead wait for Kommo.
    `insert into public.kommo_connections (org_id, subdomain, status) values ($1, $2, 'disconnected') returning id`,
    [f.orgId, name.toLowerCase()],
  );
  await q(
    `insert into public.oauth_states (org_id, nonce_hash, expires_at) values ($1, $2, now() + interval '10 minutes')`,
    [f.orgId, sha256Hex(`${name} oauth state`)],
  );
  await q(
    `insert into public.webhook_events (org_id, connection_id, dedupe_key, payload) values ($1, $2, 'k', '{}')`,
    [f.orgId, connection?.id],
  );
  await q(
    `insert into public.kommo_talks (org_id, connection_id, entity_type, entity_id, conversation_id)
     values ($1, $2, 2, 1, $3)`,
    [f.orgId, connection?.id, f.conversationId],
  );
  await q(`insert into public.rate_limits (org_id, bucket, window_start, hits) values ($1, $2, now(), 1)`, [
    f.orgId,
    `visitor:${f.orgId}`,
  ]);
  await q(
    `insert into public.usage_counters (org_id, bucket, window_start, window_end, hits)
     values ($1, $2, date_trunc('hour', now()), date_trunc('hour', now()) + interval '1 hour', 1)`,
    [f.orgId, `fixture:${f.orgId}/hour`],
  );
  await q(`insert into public.jobs (org_id, kind) values ($1, 'kommo.sync_lead')`, [f.orgId]);

  const [source] = await db.query<{ id: string }>(
    `insert into public.knowledge_sources (org_id, agent_id, kind, name, settings, status)
     values ($1, $2, 'url', 'https://example.com/', '{"urls":["https://example.com/"]}', 'ready') returning id`,
    [f.orgId, f.agentId],
  );
  await q(
    `insert into public.knowledge_source_runs (org_id, source_id, trigger, status) values ($1, $2, 'created', 'succeeded')`,
    [f.orgId, source?.id],
  );
  // A source of the knowledge base (its category). (Its articles are left out: other tests count articles.)
  await q(
    `insert into public.knowledge_sources (org_id, category_id, kind, name, settings, status)
     values ($1, $2, 'url', 'https://example.com/faq', '{"urls":["https://example.com/faq"]}', 'ready')`,
    [f.orgId, f.categoryId],
  );
  await q(
    `insert into public.knowledge_gaps (org_id, agent_id, conversation_id, question, lexemes)
     values ($1, $2, $3, 'Do you repair boats?', '{boat,repair}')`,
    [f.orgId, f.agentId, f.conversationId],
  );
  await q(`insert into public.privacy_audit (org_id, action, actor_kind) values ($1, 'export', 'worker')`, [
    f.orgId,
  ]);
  await q(
    `insert into public.qualification_plans (agent_id, org_id, plan) values ($1, $2, '{"enabled":true}')`,
    [f.agentId, f.orgId],
  );
  await q(
    `insert into public.qualifications (conversation_id, org_id, agent_id, answers, score, band, reason)
     values ($1, $2, $3, '{"budget":{"value":9000,"answeredAt":"2026-11-30T10:00:00.000Z"}}', 75, 'hot', 'budget: 9000')`,
    [f.conversationId, f.orgId, f.agentId],
  );
  await q(
    `insert into public.qualification_changes (org_id, conversation_id, score, band, reason, answers, source)
     values ($1, $2, 75, 'hot', 'budget: 9000', '{}', 'reply')`,
    [f.orgId, f.conversationId],
  );
  await addWebhookRows(db, f);
  await q('insert into public.billing_accounts (org_id) values ($1)', [f.orgId]);
  await q(
    `insert into public.billing_usage (org_id, metric, period_start, quantity) values ($1, 'messages', date_trunc('month', now()), 1)`,
    [f.orgId],
  );
  return f;
}

/** An endpoint with its secret, one delivery and its attempt (outbound webhooks). */
async function addWebhookRows(db: Queryable, f: TenantFixture): Promise<void> {
  const [endpoint] = await db.query<{ id: string }>(
    // Disabled: other tests' leads queue no deliveries for it.
    `insert into public.webhook_endpoints (org_id, url, event_types, enabled, disabled_reason)
     values ($1, 'https://hooks.example.com/closer', '{lead.created}', false, 'Disabled by a person') returning id`,
    [f.orgId],
  );
  await addSigningSecret(db, TEST_SEALING_KEYS, f.orgId, endpoint!.id);
  const [delivery] = await db.query<{ id: string }>(
    `insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, body)
     values ($1, $2, $3, 'lead.created', '{}') returning id`,
    [f.orgId, endpoint!.id, `msg_${randomUUID().replaceAll('-', '')}`],
  );
  await db.query(
    `insert into public.webhook_attempts (org_id, delivery_id, status_code, latency_ms, succeeded) values ($1, $2, 200, 12, true)`,
    [f.orgId, delivery!.id],
  );
}
