// Requests that create or change an agent.
import * as z from 'zod/mini';
import { agentFields, agentStatus } from '../agent.ts';
import { storable } from '../common.ts';

export const agentCreate = z.strictObject({
  name: agentFields.name,
  slug: z.optional(agentFields.slug),
  description: z._default(agentFields.description, ''),
  persona: z._default(agentFields.persona, ''),
  goal: z._default(agentFields.goal, ''),
  language: z._default(agentFields.language, 'en'),
  model: z._default(agentFields.model, null),
  contextWindow: z._default(agentFields.contextWindow, null),
  temperature: z._default(agentFields.temperature, 0.4),
  maxTokens: z._default(agentFields.maxTokens, 600),
  greeting: z._default(agentFields.greeting, ''),
  starterPrompts: z._default(agentFields.starterPrompts, []),
  leadCapture: z.prefault(agentFields.leadCapture, {}),
  allowedOrigins: z._default(agentFields.allowedOrigins, []),
  theme: z.prefault(agentFields.theme, {}),
  status: z._default(agentStatus, 'active'),
  knowledgeCategoryIds: z._default(agentFields.knowledgeCategoryIds, []),
  rateLimits: z.prefault(agentFields.rateLimits, {}),
  proactiveOpenSeconds: z._default(agentFields.proactiveOpenSeconds, null),
  handoff: z.prefault(agentFields.handoff, {}),
  stageSuggestions: z._default(agentFields.stageSuggestions, {}),
});
export type AgentCreate = z.input<typeof agentCreate>;

export const agentUpdate = z.partial(z.strictObject(agentFields));
export type AgentUpdate = z.input<typeof agentUpdate>;

/** `GET /agents/:id/embed-check`: the address of a page where the widget should run. */
export const embedCheckQuery = z.strictObject({
  pageUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) page address' })
    .check(z.maxLength(2000), storable),
});
