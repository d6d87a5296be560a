// A visitor asks for a person: the conversation moves to `handoff_requested` and the organisation is told,
// in one transaction (the model's request_human tool and the offline responder both come here).
import type { TenantClaims } from '../db/tenant.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { type HandoffRequested, handoffRequested } from './published.ts';
import { requestHandoff } from './states.ts';

/** Returns false when a person was already asked for or holds the conversation. */
export async function askForPerson(tx: Queryable, request: HandoffRequested): Promise<boolean> {
  const changed = await requestHandoff(tx, request.conversationId, request.reason);
  if (changed) await handoffRequested(tx, request);
  return changed;
}

export const askForPersonIn = (db: Database, claims: TenantClaims, request: HandoffRequested) =>
  withTenant(db, claims, (tx) => askForPerson(tx, request));
