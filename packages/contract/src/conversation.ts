// Conversations between a visitor and an agent, their messages and the leads they produce.
import * as z from 'zod/mini';
import { leadMeeting } from './booking.ts';
import { id, text, timestamp } from './common.ts';
import { conversationHandoff, conversationStatus, operator } from './handoff.ts';
import { leadQualification } from './qualification.ts';

export const usage = z.object({
  inputTokens: z.number().check(z.int(), z.gte(0)),
  outputTokens: z.number().check(z.int(), z.gte(0)),
});
export type Usage = z.infer<typeof usage>;

/** `operator`: a person of the organisation answering through the API or the console (docs/handoff.md). */
export const messageRole = z.enum(['user', 'assistant', 'operator']);
/** `interrupted`: the reply was cut short (client gone, upstream failed) and is stored as far as it got. */
export const messageStatus = z.enum(['complete', 'interrupted']);

export const message = z.object({
  id,
  conversationId: id,
  role: messageRole,
  content: z.string(),
  status: messageStatus,
  /**
   * How the reply ended: the model's reason (`stop`, `length`, `tool_calls`, `content_filter`…), `interrupted`
   * when it was cut short (the visitor left, the model or the database failed); null for a visitor's message.
   */
  finishReason: z.nullable(z.string()),
  model: z.nullable(z.string()),
  usage: z.nullable(usage),
  /** Who wrote an `operator` message (absent on the visitor's and the agent's). */
  author: z.optional(operator),
  createdAt: timestamp,
});
export type Message = z.infer<typeof message>;

const visitorInfoShape = {
  name: z.optional(text(0, 200)),
  email: z.optional(z.email().check(z.maxLength(320))),
  phone: z.optional(text(0, 50)),
};
export const visitorInfo = z.object(visitorInfoShape);
export type VisitorInfo = z.infer<typeof visitorInfo>;
/** What a chat request may say about its visitor: the same fields, unknown keys refused. */
export const visitorInfoInput = z.strictObject(visitorInfoShape);

const metadataValue = z.union([z.string(), z.number(), z.boolean()]);

export const conversation = z.object({
  id,
  agentId: z.nullable(id),
  status: conversationStatus,
  visitor: visitorInfo,
  metadata: z.record(z.string(), metadataValue),
  messageCount: z.number(),
  leadId: z.nullable(id),
  /**
   * Set while a person is asked for or holds the conversation (`handoff_requested`, `human`); null otherwise
   * (and from servers older than handoffs).
   */
  handoff: z._default(z.nullable(conversationHandoff), null),
  createdAt: timestamp,
  lastMessageAt: timestamp,
});
export type Conversation = z.infer<typeof conversation>;

export const conversationWithMessages = z.extend(conversation, { messages: z.array(message) });
export type ConversationWithMessages = z.infer<typeof conversationWithMessages>;

export const crmSyncState = z.enum(['not_connected', 'pending', 'synced', 'failed']);
export const leadStatus = z.enum(['new', 'in_progress', 'won', 'lost']);

export const lead = z.object({
  id,
  agentId: z.nullable(id),
  conversationId: z.nullable(id),
  name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  phone: z.nullable(z.string()),
  company: z.nullable(z.string()),
  need: z.nullable(z.string()),
  /** The meeting booked in the conversation (see docs/sales-skills.md); null: none. */
  meeting: z._default(z.nullable(leadMeeting), null),
  status: leadStatus,
  crm: z.object({
    provider: z.nullable(z.literal('kommo')),
    state: crmSyncState,
    externalId: z.nullable(z.string()),
    error: z.nullable(z.string()),
    syncedAt: z.nullable(timestamp),
    /** The Kommo stage the lead was last seen in (from Kommo's webhooks); null until one arrives. */
    stage: z.nullable(
      z.object({ pipelineId: z.number(), statusId: z.number(), name: z.nullable(z.string()) }),
    ),
  }),
  /** The score the conversation's answers earned (see the agent's qualification plan); null: none gathered. */
  qualification: z._default(z.nullable(leadQualification), null),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Lead = z.infer<typeof lead>;
