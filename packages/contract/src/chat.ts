// The chat wire format: the request, the JSON reply and every Server-Sent Event of the stream.
import * as z from 'zod/mini';
import { agentTheme, leadCaptureSettings } from './agent.ts';
import { id } from './common.ts';
import { lead, message } from './conversation.ts';

export * from './chatEvents.ts';

/** The reply to `POST /chat` without `Accept: text/event-stream`. */
export const chatReply = z.object({
  conversationId: id,
  visitorToken: z.optional(z.string()),
  /** The stored reply; while a person is involved (`status` set), the visitor's stored message instead. */
  message,
  lead: z.optional(lead),
  /**
   * Set when a person is asked for or holds the conversation (`handoff_requested`, `human`): the agent did not
   * answer; the person's reply arrives on the live channel (`GET /chat/conversations/:id/events`).
   */
  status: z.optional(z.enum(['handoff_requested', 'human'])),
});
export type ChatReply = z.infer<typeof chatReply>;

/** The public configuration the widget reads from `GET /chat/config`; nothing secret. */
export const chatConfig = z.object({
  agentId: id,
  name: z.string(),
  greeting: z.string(),
  starterPrompts: z.array(z.string()),
  theme: agentTheme,
  locale: z.string(),
  leadForm: leadCaptureSettings,
  proactiveOpenSeconds: z.nullable(z.number()),
});
export type ChatConfig = z.infer<typeof chatConfig>;

/** One agent as an OpenAI model object (`GET /chat/v1/models`); `id` is what to send as `model`. */
export const openAiModel = z.object({
  /** The agent's slug or id: both are listed, both are accepted by `/chat/v1/chat/completions`. */
  id: z.string(),
  object: z.literal('model'),
  /** Unix seconds when the agent was created. */
  created: z.number(),
  /** The organisation's id. */
  owned_by: z.string(),
  /** Closer's additions: the agent behind the model and its display name. */
  agent_id: id,
  name: z.string(),
});
export type OpenAiModel = z.infer<typeof openAiModel>;

/** `GET /chat/v1/models`: the organisation's active agents in the OpenAI list format. */
export const openAiModelList = z.object({ object: z.literal('list'), data: z.array(openAiModel) });
export type OpenAiModelList = z.infer<typeof openAiModelList>;
