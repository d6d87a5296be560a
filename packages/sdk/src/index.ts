// `@closer/sdk`: the typed client. `createClient` composes one resource per area over one request core.
import { type ChatEvent, chatEventSchemas } from '@closer/contract';
import * as z from 'zod/mini';
import { type ChatResource, createChatResource, type VisitorTokenStore } from './core/chat.ts';
import { type CredentialOptions, resolveCredential } from './core/credentials.ts';
import { StreamError } from './core/errors.ts';
import { createHttp, type RetryOptions } from './core/http.ts';
import { createTransport } from './core/transport.ts';
import { agentsResource } from './resources/agents.ts';
import { billingResource } from './resources/billing.ts';
import { bookingResource } from './resources/booking.ts';
import { knowledgeBaseResource } from './resources/knowledgeBase.ts';
import { kommoResource } from './resources/kommo.ts';
import {
  conversationsResource,
  dashboardResource,
  healthResource,
  leadsResource,
  organizationsResource,
} from './resources/organization.ts';
import { privacyResource } from './resources/privacy.ts';
import { webhooksResource } from './resources/webhooks.ts';

export interface ClientOptions extends CredentialOptions {
  /** The functions base URL: `https://<project>.supabase.co/functions/v1` (local: `http://localhost:54321/functions/v1`). */
  url: string;
  /** Used instead of the global fetch; resolved at each call. */
  fetch?: typeof fetch;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /**
   * Milliseconds per attempt to the response headers; for chat streams, the longest quiet spell.
   * @default 60000
   */
  timeout?: number;
  /** Retries of idempotent requests, and of any request refused with 429 or 503 (honouring Retry-After). */
  retry?: RetryOptions;
  /**
   * Check every response against the contract's schemas (unknown extra fields are tolerated).
   * @default true
   */
  validate?: boolean;
  /** Where chat visitor tokens are kept (default: memory). */
  visitorTokens?: VisitorTokenStore;
}

export type CloserClient = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions) {
  if (!options.url) throw new TypeError('createClient needs the functions base url');
  const credential = resolveCredential(options);
  const timeout = options.timeout ?? 60_000;
  const validate = options.validate ?? true;
  const base = {
    url: options.url,
    credential,
    organizationId: options.organizationId,
    fetch: options.fetch,
    headers: options.headers,
    timeout,
  };
  const http = createHttp({ ...base, retry: options.retry ?? {}, validate });
  const transport = createTransport(base);
  const check = validate
    ? (event: ChatEvent) => {
        const result = z.safeParse(chatEventSchemas[event.type], event.data);
        if (!result.success) throw new StreamError(`"${event.type}" event does not match the contract`);
      }
    : undefined;
  const chat: ChatResource = createChatResource(transport, { tokens: options.visitorTokens, check });

  return {
    agents: agentsResource(http),
    knowledgeBase: knowledgeBaseResource(http),
    organizations: organizationsResource(http),
    conversations: conversationsResource(http, transport),
    leads: leadsResource(http),
    dashboard: dashboardResource(http),
    kommo: kommoResource(http),
    booking: bookingResource(http),
    privacy: privacyResource(http),
    webhooks: webhooksResource(http),
    /** Plans, usage and the Stripe subscription (owners, admins, secret keys; deployments that bill only). */
    billing: billingResource(http),
    chat,
    health: healthResource(http),
  };
}

export type * from '@closer/contract';
export type {
  ChatParams,
  ChatResource,
  EventsOptions,
  StreamOptions,
  VisitorTokenStore,
} from './core/chat.ts';
export { memoryTokenStore } from './core/chat.ts';
export type { CredentialOptions, SupabaseLike } from './core/credentials.ts';
export * from './core/errors.ts';
export type { RetryOptions, UploadProgress } from './core/http.ts';
export { PageRequest } from './core/pagination.ts';
export {
  type ConversationFilters,
  type ConversationListParams,
  type CsvDownload,
  csvFilename,
  type DashboardParams,
  type LeadFilters,
  type LeadListParams,
  type OrganizationEventsOptions,
} from './resources/organization.ts';
export type { ListParams, RequestOptions } from './resources/shared.ts';
export {
  type CrawlParams,
  SIGNED_UPLOAD_ABOVE,
  SourceFailedError,
  type UploadOptions,
  type WaitOptions,
} from './resources/sources.ts';
export { type ChatResult, ChatStream } from './stream/chatStream.ts';
export { ConversationEvents } from './stream/conversationEvents.ts';
