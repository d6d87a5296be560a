// `GET /conversations/events`: the organisation's live channel for members and secret keys (docs/handoff.md) —
// the stored events of all its conversations, resumable with Last-Event-ID, fanned out by the same LISTEN/NOTIFY.
import type { Hono } from 'hono';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { withTenant } from '../_shared/db/tenant.ts';
import { eventStreamTimings, lastEventId, liveEventStream } from '../_shared/handoff/eventStream.ts';
import { liveConversations } from '../_shared/handoff/live.ts';
import { newestOrganizationEvent, organizationEventsAfter } from '../_shared/handoff/organizationEvents.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import {
  organizationEventStreamDescription,
  organizationEventStream as streamSchema,
} from '../_shared/openapi/streams.ts';
import type { Runtime } from '../_shared/runtime.ts';

const pingMs = (value: string | undefined) => (value && Number(value) > 0 ? Number(value) : 15_000);

/** Registered before `/:id`, which would take `events` for an id. */
export function registerOrganizationEventRoutes(app: Hono<AppEnv>, runtime: Runtime): void {
  const timings = eventStreamTimings(runtime.env, pingMs(runtime.env.CLOSER_CHAT_PING_MS));
  const readEvents = route({
    summary: "The organisation's live channel: every conversation's messages and state changes (SSE)",
    description:
      'Members and secret keys. Each event names its conversation. Resumable with Last-Event-ID; without it ' +
      'the stream starts after the newest event (read the list first, then follow this).',
    responses: {
      200: {
        description: organizationEventStreamDescription,
        content: { 'text/event-stream': streamSchema },
      },
    },
  });
  app.get('/events', readEvents, async (c) => {
    const principal = c.var.principal;
    if (principal.kind === 'publishable')
      throw new ApiError('forbidden', 'This credential cannot be used here');
    const orgId = principal.orgId;
    const claims = tenantClaims(principal);
    const sent = c.req.header('last-event-id')?.trim();
    const afterId = sent
      ? lastEventId(c)
      : await withTenant(runtime.db, claims, (tx) => newestOrganizationEvent(tx, orgId));
    const hub = liveConversations(runtime.db);
    return liveEventStream(c, {
      db: runtime.db,
      claims,
      afterId,
      timings,
      requestId: c.var.requestId,
      listening: () => hub.listening,
      subscribe: (listener) => hub.subscribeOrganization(orgId, listener),
      read: (tx, after) => organizationEventsAfter(tx, orgId, after),
    });
  });
}
