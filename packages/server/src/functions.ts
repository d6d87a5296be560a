// Every edge function of supabase/functions, by name, as the production server, the local stack and the tests mount them.
import type { FunctionApp } from '@closer/functions/_shared/http/app.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { createAgentsApp } from '@closer/functions/agents/app.ts';
import { createBillingApp } from '@closer/functions/billing/app.ts';
import { createBookingApp } from '@closer/functions/booking/app.ts';
import { createChatApp } from '@closer/functions/chat/app.ts';
import { createConversationsApp } from '@closer/functions/conversations/app.ts';
import { createDashboardApp } from '@closer/functions/dashboard/app.ts';
import { createHealthApp } from '@closer/functions/health/app.ts';
import { createKnowledgeBaseApp } from '@closer/functions/knowledge-base/app.ts';
import { createKommoApp } from '@closer/functions/kommo/app.ts';
import { createLeadsApp } from '@closer/functions/leads/app.ts';
import { createOrganizationsApp } from '@closer/functions/organizations/app.ts';
import { createPrivacyApp } from '@closer/functions/privacy/app.ts';
import { createWebhooksApp } from '@closer/functions/webhooks/app.ts';
import { createWorkerApp } from '@closer/functions/worker/app.ts';
import { outboundFetches } from './crawlFetch.ts';

export const functionFactories: Record<string, (runtime: Runtime) => FunctionApp> = {
  agents: createAgentsApp,
  booking: createBookingApp,
  chat: createChatApp,
  conversations: createConversationsApp,
  dashboard: createDashboardApp,
  health: createHealthApp,
  'knowledge-base': createKnowledgeBaseApp,
  kommo: createKommoApp,
  leads: createLeadsApp,
  organizations: createOrganizationsApp,
  // The crawl and the webhooks connect only to checked addresses (crawlFetch.ts).
  worker: (runtime) => createWorkerApp(runtime, outboundFetches(runtime.env)),
  privacy: createPrivacyApp,
  webhooks: createWebhooksApp,
  billing: createBillingApp,
};

export const functionNames = Object.keys(functionFactories);
