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
  message,
  lead: z.optional(lead),
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
