// How often a visitor may open a conversation's live channel: a stream is held for minutes and re-reads on every
// event, so opening streams is limited per conversation and per client address (per minute, counted in Postgres
// as the chat's message limits are, so they hold across instances). A stream ends by itself every two minutes and
// the SDK reconnects after 1 s, backing off on failures: an honest page opens a few a minute.

import { countHitsStatement, type RateLimit, refusedByLimits } from '../chat/rateLimit.ts';
import type { Queryable } from '../db/types.ts';

/** Opens of one conversation's live channel a minute (every tab and reconnection of its visitor). */
export const LIVE_OPENS_PER_CONVERSATION_PER_MINUTE = 30;
/** Opens of any conversation's live channel a minute from one client address, per agent. */
export const LIVE_OPENS_PER_ADDRESS_PER_MINUTE = 120;

/** Counts one open of the live channel by a visitor; 429 `rate_limited` with Retry-After when over a limit. */
export async function countLiveChannelOpen(
  tx: Queryable,
  open: { orgId: string; agentId: string; conversationId: string; address: string | null },
): Promise<void> {
  const limits: RateLimit[] = [
    ...(open.address === null
      ? []
      : [
          {
            bucket: `live:address:${open.agentId}:${open.address}`,
            limit: LIVE_OPENS_PER_ADDRESS_PER_MINUTE,
            what: 'from this address',
            noun: 'live channel connections',
          },
        ]),
    {
      bucket: `live:conversation:${open.conversationId}`,
      limit: LIVE_OPENS_PER_CONVERSATION_PER_MINUTE,
      what: 'to this conversation',
      noun: 'live channel connections',
    },
  ];
  const { text, params } = countHitsStatement(open.orgId, limits);
  await tx.query(text, params).catch(refusedByLimits(limits));
}
