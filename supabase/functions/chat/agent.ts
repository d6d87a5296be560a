// Which agent a chat request talks to: the publishable key's own, or the agent (id or slug) a server credential
// names.
import { type Agent, type QualificationPlan, VISITOR_TOKEN_HEADER } from '@closer/contract';
import type { Context } from 'hono';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { bookingConnectedStatement } from '../_shared/booking/connection.ts';
import { withTenantAtOnce } from '../_shared/db/tenant.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { planByAgentRefStatement, planFromStored } from '../_shared/qualification/plan.ts';
import { agentByRefStatement, agentFound } from '../_shared/resources/agents.ts';

/**
 * The agent, whether a calendar is connected and its qualification plan, one transaction sent whole: this runs
 * before every first token.
 */
async function lookUp(c: Context<AppEnv>, ref: string, what: string): Promise<ChatAgentRow> {
  const [rows, booking, plan] = await withTenantAtOnce(c.var.runtime.db, tenantClaims(c.var.principal), [
    agentByRefStatement(ref),
    bookingConnectedStatement(),
    planByAgentRefStatement(ref),
  ]);
  return {
    ...agentFound(rows ?? [], what),
    bookingConnected: booking?.[0]?.connected === true,
    qualificationPlan: planFromStored(plan?.[0]?.plan),
  };
}

/**
 * An agent as the chat reads it: with whether its organisation can book meetings, and its qualification plan (a
 * turn that knows it up front can send its statements and COMMIT together, see engine.ts prepareTurn).
 */
export type ChatAgentRow = Agent & { bookingConnected: boolean; qualificationPlan: QualificationPlan };

/** The agent the request names, validated against the credential; a paused agent does not chat (403). */
export async function chatAgent(c: Context<AppEnv>, requested: string | undefined): Promise<ChatAgentRow> {
  const principal = c.var.principal;
  let agent: ChatAgentRow;
  if (principal.kind === 'publishable') {
    agent = await lookUp(c, principal.agentId, 'Agent');
    if (requested !== undefined && requested !== agent.id && requested !== agent.slug) {
      throw new ApiError('validation_failed', 'The request is not valid', {
        details: [{ path: ['agentId'], message: 'a publishable key chats with its own agent: omit agentId' }],
      });
    }
  } else {
    if (requested === undefined) {
      throw new ApiError('validation_failed', 'The request is not valid', {
        details: [{ path: ['agentId'], message: 'required with a secret key or member token' }],
      });
    }
    agent = await lookUp(c, requested, `Agent "${requested}"`);
  }
  if (agent.status !== 'active')
    throw new ApiError('forbidden', `${agent.name} is paused and does not chat right now`);
  return agent;
}

/**
 * Publishable keys prove a conversation with the visitor token. Server credentials speak for the organisation,
 * but a token they send must match: a relay forwarding its visitor's token reaches that visitor's conversation only.
 */
export const needsVisitorToken = (c: Context<AppEnv>) =>
  c.var.principal.kind === 'publishable' || c.req.header(VISITOR_TOKEN_HEADER) !== undefined;

/** Who reads upstream failures: the organisation's own credentials see the provider's reason, visitors do not. */
export const audienceOf = (c: Context<AppEnv>) =>
  c.var.principal.kind === 'publishable' ? ('public' as const) : ('organization' as const);
