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
  rateLimits: { visitorPerMinute: 20, ipPerMinute: 60 },
  proactiveOpenSeconds: null,
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
  status: 'new',
  crm: { provider: null, state: 'not_connected', externalId: null, error: null, syncedAt: null },
  createdAt: now,
  updatedAt: now,
};

export const envelope = (code: string, message: string, details?: unknown[]) => ({
  error: { code, message, requestId: 'req-test-123', ...(details ? { details } : {}) },
});
