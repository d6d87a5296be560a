// Which agent a chat request talks to: the publishable key's own, or the `agentId` a server credential names.
import { type Agent, VISITOR_TOKEN_HEADER } from '@closer/contract';
import type { Context } from 'hono';
import { tenant } from '../_shared/auth/middleware.ts';
import type { Queryable } from '../_shared/db/types.ts';
import type { AppEnv } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { findAgent } from '../_shared/resources/agents.ts';

export async function chatAgent(c: Context<AppEnv>, requested: string | undefined): Promise<Agent> {
  const agentId = chatAgentId(c, requested);
  return tenant(c, (tx) => loadChatAgent(tx, agentId));
}

/** The agent's id a chat request names (validated against the credential), without reading it. */
export function chatAgentId(c: Context<AppEnv>, requested: string | undefined): string {
  const principal = c.var.principal;
  let agentId: string;
  if (principal.kind === 'publishable') {
    if (requested !== undefined && requested !== principal.agentId) {
      throw new ApiError('validation_failed', 'The request is not valid', {
        details: [{ path: ['agentId'], message: 'a publishable key chats with its own agent: omit agentId' }],
      });
    }
    agentId = principal.agentId;
  } else {
    if (requested === undefined) {
      throw new ApiError('validation_failed', 'The request is not valid', {
        details: [{ path: ['agentId'], message: 'required with a secret key or member token' }],
      });
    }
    agentId = requested;
  }
  return agentId;
}

/** Reads the agent inside the caller's tenant transaction; a paused agent does not chat (403). */
export async function loadChatAgent(tx: Queryable, agentId: string): Promise<Agent> {
  const agent = await findAgent(tx, agentId);
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
