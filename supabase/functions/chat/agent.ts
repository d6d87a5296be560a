// Which agent a chat request talks to: the publishable key's own, or the agent (id or slug) a server credential
// names.
import { type Agent, type QualificationPlan, VISITOR_TOKEN_HEADER } from '@closer/contract';
import type { Context } from 'hono';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { bookingConnectedStatement } from '../_shared/booking/connection.ts';
import {
  claimCounted,
  claimOf,
  countReplyByAgentRef,
  type ModelReplyClaim,
  type OrgCeilings,
} from '../_shared/chat/modelCeilings.ts';
import { type TenantTransaction, withTenantsAtOnce } from '../_shared/db/tenant.ts';
import type { Row } from '../_shared/db/types.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { planByAgentRefStatement, planFromStored } from '../_shared/qualification/plan.ts';
import { agentByRefStatement, agentFound } from '../_shared/resources/agents.ts';

/**
 * The agent, whether a calendar is connected and its qualification plan, one transaction sent whole: this runs
 * before every first token.
 */
async function lookUp(c: Context<AppEnv>, ref: string, what: string): Promise<ChatAgentRow> {
  const [read] = withTenantsAtOnce(c.var.runtime.db, [lookUpTransaction(c, ref)]);
  return agentRead(await read!, what);
}

const lookUpTransaction = (c: Context<AppEnv>, ref: string): TenantTransaction => ({
  claims: tenantClaims(c.var.principal),
  statements: [agentByRefStatement(ref), bookingConnectedStatement(), planByAgentRefStatement(ref)],
});

function agentRead([rows, booking, plan]: Row[][], what: string): ChatAgentRow {
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
  const { ref, what } = agentRef(c, requested);
  return chatting(c, requested, await lookUp(c, ref, what));
}

/** The agent reference a request's credential allows: the publishable key's own agent, or the one named. */
function agentRef(c: Context<AppEnv>, requested: string | undefined): { ref: string; what: string } {
  const principal = c.var.principal;
  if (principal.kind === 'publishable') return { ref: principal.agentId, what: 'Agent' };
  if (requested === undefined) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['agentId'], message: 'required with a secret key or member token' }],
    });
  }
  return { ref: requested, what: `Agent "${requested}"` };
}

/** The agent read, if it may chat with this request: a publishable key's own, and active. */
function chatting(c: Context<AppEnv>, requested: string | undefined, agent: ChatAgentRow): ChatAgentRow {
  if (
    c.var.principal.kind === 'publishable' &&
    requested !== undefined &&
    requested !== agent.id &&
    requested !== agent.slug
  ) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['agentId'], message: 'a publishable key chats with its own agent: omit agentId' }],
    });
  }
  if (agent.status !== 'active')
    throw new ApiError('forbidden', `${agent.name} is paused and does not chat right now`);
  return agent;
}

/**
 * chatAgent and the reply's claim on the spend ceilings (modelCeilings.ts) in one round trip: the count is sent
 * with the agent's read and takes the agent's ceilings from its row. A request refused after the count (the agent
 * missing, paused, or not the publishable key's) gives the reply back.
 */
export async function chatAgentClaimingReply(
  c: Context<AppEnv>,
  requested: string | undefined,
  org: OrgCeilings,
): Promise<{ agent: ChatAgentRow; spend: ModelReplyClaim }> {
  const { ref, what } = agentRef(c, requested);
  const { db } = c.var.runtime;
  const claims = tenantClaims(c.var.principal);
  const [read, counted] = withTenantsAtOnce(db, [
    lookUpTransaction(c, ref),
    countReplyByAgentRef(claims, ref, org),
  ]);
  counted!.catch(() => {}); // settled below, after the read: the read's failure comes first
  let agent: ChatAgentRow;
  try {
    agent = chatting(c, requested, agentRead(await read!, what));
  } catch (failure) {
    const [, windows] = await counted!.catch(() => []);
    return claimOf(db, claims, (windows ?? []) as never).giveBack(failure);
  }
  return { agent, spend: await claimCounted(db, claims, agent, org, counted!) };
}

/**
 * Publishable keys prove a conversation with the visitor token. Server credentials speak for the organisation,
 * but a token they send must match: a relay forwarding its visitor's token reaches that visitor's conversation only.
 */
export const needsVisitorToken = (c: Context<AppEnv>) =>
  c.var.principal.kind === 'publishable' || c.req.header(VISITOR_TOKEN_HEADER) !== undefined;

/**
 * The address the per-address limits count (messages a minute, leads an hour): a visitor's (publishable key). A
 * secret key is the organisation's own server relaying for many visitors from one address, and a member is a
 * person of the organisation: both are held by the per-conversation, per-agent and organisation limits instead.
 */
export const visitorAddress = (c: Context<AppEnv>) =>
  c.var.principal.kind === 'publishable' ? c.var.clientAddress : null;

/** Who reads upstream failures: the organisation's own credentials see the provider's reason, visitors do not. */
export const audienceOf = (c: Context<AppEnv>) =>
  c.var.principal.kind === 'publishable' ? ('public' as const) : ('organization' as const);
