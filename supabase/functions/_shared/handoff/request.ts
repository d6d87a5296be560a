// A visitor asks for a person: the conversation moves to `handoff_requested` and the organisation is told,
// in one transaction (the model's request_human tool and the offline responder both come here). Outside the
// agent's business hours the visitor is told so instead (docs/handoff.md#business-hours).
import type { AgentHandoff } from '@closer/contract';
import type { TenantClaims } from '../db/tenant.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { describeHours, isOpen } from './hours.ts';
import { type HandoffRequested, handoffRequested } from './published.ts';
import { requestHandoff } from './states.ts';

/**
 * `asked`: a person was asked for. `already`: a person was already asked for or holds the conversation.
 * `outside_hours`: nobody is there now (`hours` says when they are); with `whenUnanswered: 'silent'` the request
 * still waits for a person, with `resume` the agent goes on answering.
 */
export type PersonAsked =
  | { outcome: 'asked' }
  | { outcome: 'already' }
  | { outcome: 'outside_hours'; hours: string };

export async function askForPerson(
  tx: Queryable,
  request: HandoffRequested,
  settings: Pick<AgentHandoff, 'hours' | 'whenUnanswered'>,
  now: Date = new Date(),
): Promise<PersonAsked> {
  const open = isOpen(settings.hours, now);
  if (!open && settings.whenUnanswered === 'resume')
    return { outcome: 'outside_hours', hours: describeHours(settings.hours!) };
  const changed = await requestHandoff(tx, request.conversationId, request.reason);
  if (changed) await handoffRequested(tx, request);
  if (!open) {
    // Told the team is offline already: the pickup timeout (pickup.ts) does not tell the visitor again.
    if (changed)
      await tx.query('update public.conversations set handoff_unanswered_at = now() where id = $1', [
        request.conversationId,
      ]);
    return { outcome: 'outside_hours', hours: describeHours(settings.hours!) };
  }
  return { outcome: changed ? 'asked' : 'already' };
}

export const askForPersonIn = (
  db: Database,
  claims: TenantClaims,
  request: HandoffRequested,
  settings: Pick<AgentHandoff, 'hours' | 'whenUnanswered'>,
) => withTenant(db, claims, (tx) => askForPerson(tx, request, settings));
