// Lead writes are limited per conversation and per agent (each may reach the CRM): the form and the
// capture_lead tool both count here, in the transaction that writes the lead.
import { agentRateLimits } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { countUsage } from './usageCounters.ts';

/** Counts one lead write; 429 `rate_limited` with Retry-After when the conversation or the agent is over. */
export async function countLeadWrite(
  tx: Queryable,
  lead: { orgId: string; agentId: string; conversationId: string },
): Promise<void> {
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
    {
      bucket: `leads:agent:${lead.agentId}`,
      window: 'hour',
      maxHits: limits.leadsPerHour,
      refusal: (wait) =>
        `This agent is receiving too many contact details right now: at most ${limits.leadsPerHour} an hour. Try again in ${wait} s.`,
    },
  ]);
}
