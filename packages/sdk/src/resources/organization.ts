// client.organizations, client.conversations, client.leads, client.dashboard, client.health.
import {
  apiKey,
  apiKeyCreated,
  conversation,
  conversationWithMessages,
  dashboard,
  health,
  type InvitationCreate,
  knowledgeGapPage,
  lead,
  leadQualificationHistory,
  type MemberUpdate,
  type OrganizationEvent,
  type OrganizationUpdate,
  organization,
  organizationInvitation,
  organizationMember,
  page,
  readiness,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import type { Transport } from '../core/transport.ts';
import { ConversationEvents } from '../stream/conversationEvents.ts';
import { handoffMethods } from './handoff.ts';
import { type ListParams, list, type RequestOptions } from './shared.ts';

/** `client.organizations.members`: callable as before (`members()` lists them), with the owner's operations. */
function membersResource(http: Http) {
  const list = (options: RequestOptions = {}) =>
    http.request('GET', '/organizations/members', page(organizationMember), options);
  return Object.assign(list, {
    /** Every member with e-mail and role (the same as calling `members()`). */
    list,
    /**
     * Owners only: a new role. Refused with ConflictError (409) when it would leave no owner.
     * @throws PermissionError for admins, members and secret keys
     */
    update: (userId: string, body: MemberUpdate, options: RequestOptions = {}) =>
      http.request('PATCH', `/organizations/members/${encodeURIComponent(userId)}`, organizationMember, {
        body,
        ...options,
      }),
    /** Owners only: removes the member at once. The last owner cannot be removed (ConflictError). */
    remove: (userId: string, options: RequestOptions = {}) =>
      http.request('DELETE', `/organizations/members/${encodeURIComponent(userId)}`, null, options),
  });
}

function invitationsResource(http: Http) {
  return {
    /** Pending invitations (owners and admins). */
    list: (options: RequestOptions = {}) =>
      http.request('GET', '/organizations/invitations', page(organizationInvitation), options),
    /**
     * Owners only: invites an e-mail as `role` (default `member`). The user joins when they next call the API
     * signed in with that (verified) address. ConflictError when already invited or already a member.
     */
    create: (body: InvitationCreate, options: RequestOptions = {}) =>
      http.request('POST', '/organizations/invitations', organizationInvitation, { body, ...options }),
    /** Owners only: withdraws a pending invitation. */
    revoke: (id: string, options: RequestOptions = {}) =>
      http.request('DELETE', `/organizations/invitations/${encodeURIComponent(id)}`, null, options),
  };
}

export function organizationsResource(http: Http) {
  const keyPage = page(apiKey);
  return {
    /** As a signed-in user: a new organisation, whose owner the user becomes. */
    create: (body: { name: string }, options: RequestOptions = {}) =>
      http.request('POST', '/organizations', organization, { body, ...options }),
    /** The user's organisations (with their role), or a secret key's own. */
    list: (options: RequestOptions = {}) =>
      http.request('GET', '/organizations', page(organization), options),
    current: (options: RequestOptions = {}) =>
      http.request('GET', '/organizations/current', organization, options),
    /**
     * Owners and admins (or a secret key): renames the organisation the client acts for.
     * @throws ValidationError when `name` is empty or longer than 100 characters
     */
    update: (body: OrganizationUpdate, options: RequestOptions = {}) =>
      http.request('PATCH', '/organizations/current', organization, { body, ...options }),
    members: membersResource(http),
    invitations: invitationsResource(http),
    apiKeys: {
      list: (params: ListParams = {}, options: RequestOptions = {}) =>
        list(http, '/organizations/api-keys', keyPage, params, options),
      /** The response's `secret` is the only time the key is shown. */
      create: (body: { name: string }, options: RequestOptions = {}) =>
        http.request('POST', '/organizations/api-keys', apiKeyCreated, { body, ...options }),
      revoke: (id: string, options: RequestOptions = {}) =>
        http.request('DELETE', `/organizations/api-keys/${encodeURIComponent(id)}`, null, options),
    },
  };
}

/** The conversation list's filters, also those of its CSV export. */
export interface ConversationFilters {
  agentId?: string;
  /** `handoff_requested`: waiting for a person; `human`: a person holds it (docs/handoff.md). */
  status?: 'active' | 'handoff_requested' | 'human' | 'closed';
  /** ISO 8601 instants of the conversation's start; `to` is exclusive. */
  from?: string;
  to?: string;
  /** `true`: only conversations that produced a lead; `false`: only those that did not. */
  hasLead?: boolean;
  /** 1–200 characters found case-insensitively in the messages or the visitor's name, e-mail or phone. */
  q?: string;
}

export interface ConversationListParams extends ListParams, ConversationFilters {}

/**
 * A CSV download as the API answered it, its body unread: stream `response.body` to a file, or `await
 * response.blob()` in a browser. UTF-8 with a BOM; the file name is in `Content-Disposition`
 * (see `csvFilename`).
 */
export type CsvDownload = Response;

/** The file name a CSV download offers (`leads-from-2026-03-01-to-2026-04-01.csv`), or `fallback`. */
export function csvFilename(response: Response, fallback = 'export.csv'): string {
  const disposition = response.headers.get('content-disposition') ?? '';
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallback;
}

export function conversationsResource(http: Http, transport: Transport) {
  const conversationPage = page(conversation);
  return {
    /**
     * The organisation's live channel (members and secret keys; docs/handoff.md): every conversation's stored
     * events — `message` (operator messages; the visitor's while a person is involved) and `state` (e.g. a
     * visitor now waiting for a person: `handoff_requested`) — each with its `conversationId`. An async iterable
     * that reconnects by itself and resumes after the last event; without `lastEventId` it starts with the next
     * event. Leaving the loop, or `abort()`, closes it. 400, 401, 403, 404 and 422 reject the loop; anything else
     * is retried (the first wait `retryMs`, default 1000 ms, doubled on each failure in a row up to 30 s).
     */
    events: (options: OrganizationEventsOptions = {}): ConversationEvents<OrganizationEvent> =>
      new ConversationEvents<OrganizationEvent>(
        (signal, last) =>
          transport.send('GET', '/conversations/events', {
            headers: { accept: 'text/event-stream', ...(last ? { 'last-event-id': last } : {}) },
            signal,
            timeout: false,
          }),
        {
          lastEventId: options.lastEventId,
          idleTimeoutMs: transport.options.timeout,
          retryMs: options.retryMs,
          onOpen: options.onOpen,
        },
        options.signal,
      ),
    list: (params: ConversationListParams = {}, options: RequestOptions = {}) =>
      list(http, '/conversations', conversationPage, params, options),
    retrieve: (id: string, options: RequestOptions = {}) =>
      http.request('GET', `/conversations/${encodeURIComponent(id)}`, conversationWithMessages, options),
    /**
     * Every matching conversation with its messages as CSV (one row per message, oldest first), streamed by the
     * server. Resolves when the headers arrive; the body is read by the caller.
     */
    export: (params: ConversationFilters = {}, options: RequestOptions = {}): Promise<CsvDownload> =>
      http.request('GET', '/conversations/export', 'response', { query: { ...params }, ...options }),
    ...handoffMethods(http),
  };
}

export interface OrganizationEventsOptions extends RequestOptions {
  /** Resume after this event id (from `lastEventId` of an earlier channel); absent: from the next event. */
  lastEventId?: string;
  /** First wait before reconnecting after a failure, in ms. @default 1000 */
  retryMs?: number;
  /**
   * Told each time the server answers a connection. Without `lastEventId` the channel starts after the newest
   * event at that moment: read the list again here and nothing falls between the list and the channel.
   */
  onOpen?: () => void;
}

/** The lead list's filters, also those of its CSV export. */
export interface LeadFilters {
  agentId?: string;
  status?: 'new' | 'in_progress' | 'won' | 'lost';
  crmState?: 'not_connected' | 'pending' | 'synced' | 'failed';
  /** ISO 8601 instants of the capture; `to` is exclusive. */
  from?: string;
  to?: string;
}

export interface LeadListParams extends ListParams, LeadFilters {}

export function leadsResource(http: Http) {
  const leadPage = page(lead);
  return {
    list: (params: LeadListParams = {}, options: RequestOptions = {}) =>
      list(http, '/leads', leadPage, params, options),
    retrieve: (id: string, options: RequestOptions = {}) =>
      http.request('GET', `/leads/${encodeURIComponent(id)}`, lead, options),
    /** Every matching lead as CSV, oldest first, streamed by the server (see `conversations.export`). */
    export: (params: LeadFilters = {}, options: RequestOptions = {}): Promise<CsvDownload> =>
      http.request('GET', '/leads/export', 'response', { query: { ...params }, ...options }),
    /**
     * Sends the lead to Kommo again (after a failed sync, or one captured before Kommo was connected) and
     * resolves the lead, now `pending`.
     * @throws ConflictError when Kommo is not connected or the lead is already synced
     */
    sync: (id: string, options: RequestOptions = {}) =>
      http.request('POST', `/leads/${encodeURIComponent(id)}/sync`, lead, options),
    /**
     * The lead's qualification (score 0–100, band, answers, reason; null until an answer is gathered) and the
     * history of its changes, newest first (at most 100). The lead itself carries the current one too.
     * @throws NotFoundError for an unknown lead
     */
    qualification: (id: string, options: RequestOptions = {}) =>
      http.request(
        'GET',
        `/leads/${encodeURIComponent(id)}/qualification`,
        leadQualificationHistory,
        options,
      ),
  };
}

export interface DashboardParams {
  /** First and last local day, `YYYY-MM-DD`. */
  from: string;
  to: string;
  /** IANA time zone of the days (default UTC). */
  tz?: string;
  agentId?: string;
}

export interface KnowledgeGapsParams extends DashboardParams {
  /** How many gaps (groups of similar questions) to answer, 1–100. @default 20 */
  limit?: number;
}

export function dashboardResource(http: Http) {
  return {
    retrieve: (params: DashboardParams, options: RequestOptions = {}) =>
      http.request('GET', '/dashboard', dashboard, { query: { ...params }, ...options }),
    /**
     * Questions the agents' knowledge could not answer in the period, grouped by their words of meaning, most
     * asked first (`nextCursor` is always null: one page holds them all). 422 for a bad period or limit.
     */
    knowledgeGaps: (params: KnowledgeGapsParams, options: RequestOptions = {}) =>
      http.request('GET', '/dashboard/knowledge-gaps', knowledgeGapPage, {
        query: { ...params },
        ...options,
      }),
  };
}

export function healthResource(http: Http) {
  return {
    check: (options: RequestOptions = {}) => http.request('GET', '/health', health, options),
    ready: (options: RequestOptions = {}) => http.request('GET', '/health/ready', readiness, options),
  };
}
