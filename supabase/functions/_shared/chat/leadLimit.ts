// Lead writes are limited per conversation, per client address and per agent (each may reach the CRM): the form
// and the capture_lead tool both count here, in the transaction that writes the lead.
import { agentRateLimits } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { countUsage } from './usageCounters.ts';

/** Who wrote a lead, for its limits. */
export interface LeadWriter {
  orgId: string;
  agentId: string;
  conversationId: string;
  /** The client's address bucket from the trusted source (clientAddress.ts); null: unknown, not limited by it. */
  address: string | null;
}

/**
 * Counts one lead write; 429 `rate_limited` with Retry-After when the conversation, the client address or the
 * agent is over its hourly limit. The address is counted before the agent, so one client cannot use up the
 * agent's limit for everybody.
 */
export async function countLeadWrite(tx: Queryable, lead: LeadWriter): Promise<void> {
  const [agent] = await tx.query<{ rate_limits: unknown }>(
    'select rate_limits from public.agents where id = $1',
    [lead.agentId],
  );
  const limits = agentRateLimits.parse(agent?.rate_limits ?? {});
  await countUsage(tx, lead.orgId, [
    {
      bucket: `leads:conversation:${lead.conversationId}`,
      window: 'hour',
      maxHits: limits.leadsPerConversationPerHour,
      refusal: (wait) =>
        `Too many contact details sent in this conversation: at most ${limits.leadsPerConversationPerHour} an hour. Try again in ${wait} s.`,
    },
    ...(lead.address === null
      ? []
      : [
          {
            bucket: `leads:address:${lead.agentId}:${lead.address}`,
            window: 'hour' as const,
            maxHits: limits.leadsPerAddressPerHour,
            refusal: (wait: number) =>
              `Too many contact details sent from this address: at most ${limits.leadsPerAddressPerHour} an hour. Try again in ${wait} s.`,
          },
        ]),
    {
      bucket: `leads:agent:${lead.agentId}`,
      window: 'hour',
      maxHits: limits.leadsPerHour,
      refusal: (wait) =>
        `This agent is receiving too many contact details right now: at most ${limits.leadsPerHour} an hour. Try again in ${wait} s.`,
    },
  ]);
}
