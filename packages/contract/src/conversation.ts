// Conversations between a visitor and an agent, their messages and the leads they produce.
import { z } from 'zod';
import { leadField } from './agent.ts';
import { id, listQuery, timestamp } from './common.ts';

export const usage = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof usage>;

export const messageRole = z.enum(['user', 'assistant']);
/** `interrupted`: the reply was cut short (client gone, upstream failed) and is stored as far as it got. */
export const messageStatus = z.enum(['complete', 'interrupted']);

export const message = z.object({
  id,
  conversationId: id,
  role: messageRole,
  content: z.string(),
  status: messageStatus,
  model: z.string().nullable(),
  usage: usage.nullable(),
  createdAt: timestamp,
});
export type Message = z.infer<typeof message>;

export const visitorInfo = z.object({
  name: z.string().trim().max(200).optional(),
  email: z.email().max(320).optional(),
  phone: z.string().trim().max(50).optional(),
});
export type VisitorInfo = z.infer<typeof visitorInfo>;

export const conversationStatus = z.enum(['active', 'closed']);
export const conversation = z.object({
  id,
  agentId: id.nullable(),
  status: conversationStatus,
  visitor: visitorInfo,
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  messageCount: z.number().int(),
  leadId: id.nullable(),
  createdAt: timestamp,
  lastMessageAt: timestamp,
});
export type Conversation = z.infer<typeof conversation>;

export const conversationWithMessages = conversation.extend({ messages: z.array(message) });
export type ConversationWithMessages = z.infer<typeof conversationWithMessages>;

export const conversationListQuery = listQuery.extend({
  agentId: id.optional(),
  status: conversationStatus.optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
});

export const crmSyncState = z.enum(['not_connected', 'pending', 'synced', 'failed']);
export const leadStatus = z.enum(['new', 'in_progress', 'won', 'lost']);

export const lead = z.object({
  id,
  agentId: id.nullable(),
  conversationId: id.nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  need: z.string().nullable(),
  status: leadStatus,
  crm: z.object({
    provider: z.literal('kommo').nullable(),
    state: crmSyncState,
    externalId: z.string().nullable(),
    error: z.string().nullable(),
    syncedAt: timestamp.nullable(),
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Lead = z.infer<typeof lead>;

/** Each lead field on its own, all optional. */
export const leadFieldsObject = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z.email('must be an email address').max(320),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a phone number'),
    company: z.string().trim().min(1).max(200),
    need: z.string().trim().min(1).max(2000),
  })
  .partial();
export const leadFields = leadFieldsObject.refine(
  (f) => Object.values(f).some((v) => v !== undefined),
  'at least one field is required',
);
export type LeadFields = z.infer<typeof leadFields>;
export const leadFieldNames = leadField.options;

export const leadListQuery = listQuery.extend({
  agentId: id.optional(),
  status: leadStatus.optional(),
  crmState: crmSyncState.optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
});
