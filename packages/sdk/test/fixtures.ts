// Realistic API answers, as the functions send them, for msw handlers.
import type { Agent, KnowledgeItem, Lead } from '@closer/contract';

export const URL_BASE = 'https://demo-project.supabase.co/functions/v1';
export const SECRET = 'sk_test_0123456789abcdefghijklmnop';
const now = '2026-11-24T08:00:00.000Z';

export const agentId = '6b0a3c0e-1f7e-4a4b-9a53-0c7a4e7d2a10';
export const agent: Agent = {
  id: agentId,
  orgId: '0f3c2a10-9d4b-4f0e-8a47-25b1d0c3e911',
  name: 'Maya',
  slug: 'maya',
  description: '',
  persona: 'You are Maya.',
  goal: 'Book a survey',
  language: 'en',
  model: 'openai/gpt-4o-mini',
  contextWindow: null,
  temperature: 0.4,
  maxTokens: 600,
  greeting: 'Hi!',
  starterPrompts: [],
  leadCapture: {
    enabled: true,
    fields: [{ field: 'name', required: true }],
    consentText: '',
    formAfterMessages: 0,
  },
  allowedOrigins: ['*'],
  theme: { accentColor: '#f59e0b', position: 'right', mode: 'auto' },
  status: 'active',
  knowledgeCategoryIds: [],
  rateLimits: {
    visitorPerMinute: 20,
    ipPerMinute: 60,
    repliesPerHour: 2000,
    repliesPerDay: 20_000,
    tokensPerHour: 2_000_000,
    tokensPerDay: 20_000_000,
    leadsPerConversationPerHour: 5,
    leadsPerHour: 200,
    leadsPerAddressPerHour: 20,
  },
  proactiveOpenSeconds: null,
  handoff: {
    enabled: false,
    hours: null,
    pickupTimeoutSeconds: null,
    whenUnanswered: 'resume',
    afterLeadCaptured: false,
    afterUnansweredReplies: null,
  },
  stageSuggestions: {},
  publishableKey: 'pk_demo_1234567890',
  createdAt: now,
  updatedAt: now,
};

export const knowledge = (n: number): KnowledgeItem => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  agentId,
  title: `Item ${n}`,
  content: `Content ${n}`,
  tags: [],
  sourceId: null,
  source: null,
  createdAt: now,
  updatedAt: now,
});

export const lead: Lead = {
  id: '7d1b8f8e-6d0e-4b53-9c0a-9f8e2b6a3c11',
  agentId,
  conversationId: null,
  name: 'Ann',
  email: null,
  phone: '+34 600 123 456',
  company: null,
  need: null,
  meeting: null,
  status: 'new',
  crm: {
    provider: null,
    state: 'not_connected',
    externalId: null,
    error: null,
    syncedAt: null,
    stage: null,
  },
  qualification: null,
  createdAt: now,
  updatedAt: now,
};

export const envelope = (code: string, message: string, details?: unknown[]) => ({
  error: { code, message, requestId: 'req-test-123', ...(details ? { details } : {}) },
});

const orgId = agent.orgId;
export const script = {
  id: '11111111-1111-4111-8111-111111111111',
  agentId,
  stage: 'closing' as const,
  name: 'Close',
  content: 'Ask for the phone',
  position: 0,
  createdAt: now,
  updatedAt: now,
};
export const objection = {
  id: '22222222-2222-4222-8222-222222222222',
  agentId,
  objection: 'Too expensive',
  keywords: ['price'],
  answer: 'It pays back',
  createdAt: now,
  updatedAt: now,
};
export const category = {
  id: '33333333-3333-4333-8333-333333333333',
  name: 'Policies',
  description: '',
  createdAt: now,
  updatedAt: now,
};
export const article = {
  id: '44444444-4444-4444-8444-444444444444',
  categoryId: category.id,
  title: 'Hours',
  content: '9 to 5',
  language: 'en',
  published: true,
  sourceId: null,
  source: null,
  createdAt: now,
  updatedAt: now,
};
export const organization = { id: orgId, name: 'Acme', role: 'owner' as const, createdAt: now };
export const member = {
  userId: '55555555-5555-4555-8555-555555555555',
  email: 'ann@example.com',
  role: 'owner' as const,
  createdAt: now,
};
export const key = {
  id: '66666666-6666-4666-8666-666666666666',
  name: 'CI',
  prefix: 'sk_abcdefghi',
  createdAt: now,
  lastUsedAt: null,
  revokedAt: null,
};
export const conversationFixture = {
  id: '77777777-7777-4777-8777-777777777777',
  agentId,
  status: 'active' as const,
  visitor: {},
  metadata: {},
  messageCount: 2,
  leadId: null,
  createdAt: now,
  lastMessageAt: now,
  handoff: null,
};
export const messageFixture = {
  id: '88888888-8888-4888-8888-888888888888',
  conversationId: conversationFixture.id,
  role: 'user' as const,
  content: 'Hi',
  status: 'complete' as const,
  finishReason: null,
  model: null,
  usage: null,
  createdAt: now,
};
export const readinessFixture = {
  status: 'ok' as const,
  version: '0.1.0',
  checks: {
    database: { ok: true, detail: 'postgres reachable' },
    llm: { ok: true, detail: 'offline responder' },
    embeddings: { ok: true, detail: 'lexical only (no embedder configured)' },
  },
};
export const chatConfigFixture = {
  agentId,
  name: 'Maya',
  greeting: 'Hi!',
  starterPrompts: [],
  theme: agent.theme,
  locale: 'en',
  leadForm: agent.leadCapture,
  proactiveOpenSeconds: null,
};
export const kommoConnectionFixture = {
  status: 'connected' as const,
  subdomain: 'acme',
  accountId: 28805383,
  settings: {
    pipelineId: 3177727,
    statusId: 32392159,
    responsibleUserId: null,
    tags: [],
    handoffTaskUserId: null,
    handoffTaskDueMinutes: 15,
    fieldMap: { company: null, need: { entity: 'lead', fieldId: 1119323 } },
  },
  lastSyncAt: now,
  lastError: null,
  webhookUrl: 'https://demo.supabase.co/functions/v1/kommo/webhooks/whk_abc',
  webhookRegistered: true,
};
export const kommoCatalogFixture = {
  pipelines: [
    {
      id: 3177727,
      name: 'Sales',
      isMain: true,
      statuses: [{ id: 32392159, name: 'Initial contact', sort: 20 }],
    },
  ],
  users: [{ id: 504141, name: 'Olga Petrova', email: null }],
  customFields: [{ id: 1119323, name: 'Customer need', type: 'textarea', entity: 'lead' }],
};
