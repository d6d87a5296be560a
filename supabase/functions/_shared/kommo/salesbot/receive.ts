// The part of a Salesbot request answered before Kommo's 2 seconds are up: the token checked, the account and
// agent matched to a connection, the return_url checked, and the delivery recorded once (a repeat is recognised
// by the message id, else by the continue id). No model and no call to Kommo here.
import type { Database } from '../../db/types.ts';
import { ApiError } from '../../http/errors.ts';
import type { KommoConfig } from '../config.ts';
import { type ContinueTarget, continueTarget, type SalesbotRequest, storableData } from './request.ts';
import { type SalesbotClaims, verifySalesbotToken } from './token.ts';

/** A delivery accepted for an answer: everything the background part needs. */
export interface SalesbotDelivery {
  orgId: string;
  connectionId: string;
  agentId: string;
  /** The delivery's row in webhook_events (its outcome is written there). */
  eventId: string;
  token: SalesbotClaims;
  data: SalesbotRequest['data'];
  target: ContinueTarget;
}

export type Receipt = { duplicate: true } | { duplicate: false; delivery: SalesbotDelivery };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function receiveSalesbotRequest(
  db: Database,
  config: KommoConfig,
  agentId: string,
  request: SalesbotRequest,
): Promise<Receipt> {
  const token = await verifySalesbotToken(request.token, config.clientSecret);
  if (!UUID.test(agentId)) throw new ApiError('not_found', 'Agent not found');
  // The return_url must be the account's own continue method (its access token goes there).
  const target = continueTarget(request.return_url, config, token.subdomain);
  const data = storableData(request.data);
  const messageKey = data.message_id
    ? `salesbot:message:${data.message_id}`
    : `salesbot:continue:${target.botId}:${target.continueId}`;
  // One statement, before any tenant is known (as the owner): the connection of the verified account whose
  // organisation owns the agent in the URL, and the delivery recorded there once.
  const [found] = await db.query<{ connection_id: string; org_id: string; event_id: string | null }>(
    `with connection as (
       select k.id, k.org_id from public.kommo_connections k
       join public.agents a on a.org_id = k.org_id and a.id = $2
       where k.status = 'connected' and k.subdomain = $3 and (k.account_id = $1 or k.account_id is null)
       limit 1
     ), recorded as (
       insert into public.webhook_events (org_id, connection_id, dedupe_key, payload)
       select org_id, id, $4, $5::jsonb from connection
       on conflict (connection_id, dedupe_key) do nothing returning id
     )
     select c.id as connection_id, c.org_id, (select id from recorded) as event_id from connection c`,
    [
      token.accountId,
      agentId,
      token.subdomain,
      messageKey,
      JSON.stringify({
        kind: 'salesbot',
        token,
        data: { ...data, message: undefined },
        continue: target.path,
      }),
    ],
  );
  if (!found) {
    throw new ApiError(
      'unauthorized',
      'Salesbot request refused: this Kommo account is not connected to the agent in the URL',
    );
  }
  const connection = { id: found.connection_id, org_id: found.org_id };
  const event = found.event_id ? { id: found.event_id } : null;
  if (!event) return { duplicate: true };
  return {
    duplicate: false,
    delivery: {
      orgId: connection.org_id,
      connectionId: connection.id,
      agentId,
      eventId: event.id,
      token,
      data,
      target,
    },
  };
}
