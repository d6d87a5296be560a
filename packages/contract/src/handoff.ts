// Handoff to a person: conversation states, who holds a conversation, and what operators send (docs/handoff.md).
import * as z from 'zod/mini';
import { id, storable, text, timestamp } from './common.ts';

/**
 * `active`: the agent answers. `handoff_requested`: a person was asked for (by the visitor through the agent, or
 * an operator's claim is pending); the agent stays silent. `human`: a person holds the conversation; the agent
 * stays silent and the visitor's messages wait for that person. `closed`: ended (a new visitor message reopens it
 * as `active`).
 */
export const conversationStatus = z.enum(['active', 'handoff_requested', 'human', 'closed']);
export type ConversationStatus = z.infer<typeof conversationStatus>;

/** A person answering for the organisation: a signed-in member or backend code with a secret key. */
export const operator = z.object({
  /** Absent in what a visitor is shown (the widget, a visitor's export), as is `id`. */
  kind: z.optional(z.enum(['member', 'secret'])),
  /** The member's user id, or the secret key's id. */
  id: z.optional(id),
  /** The name the visitor sees. */
  name: z.string(),
  avatarUrl: z.nullable(z.string()),
});
export type Operator = z.infer<typeof operator>;

export const conversationHandoff = z.object({
  /** Why a person was asked for (the model's or the offline responder's words, or the operator's claim). */
  reason: z.nullable(z.string()),
  /** When a person was asked for: the waiting time counts from here. */
  requestedAt: z.nullable(timestamp),
  /** Who holds the conversation (`human`); null while it waits. */
  assignee: z.nullable(operator),
});
export type ConversationHandoff = z.infer<typeof conversationHandoff>;

const avatarUrl = z
  .url({ protocol: /^https$/, error: 'must be an https address' })
  .check(z.maxLength(2000), storable);

/** How an operator appears to the visitor; members default to their e-mail's name, secret keys to "Support". */
const operatorIdentity = {
  /** The name the visitor sees (1–100 characters). */
  displayName: z.optional(text(1, 100)),
  /** An https address of a square picture shown beside the operator's messages. */
  avatarUrl: z.optional(avatarUrl),
};

/** `POST /conversations/:id/claim`: a person takes the conversation over (the agent falls silent). */
export const conversationClaim = z.strictObject(operatorIdentity);
export type ConversationClaim = z.input<typeof conversationClaim>;

/** `POST /conversations/:id/messages`: an operator's message to the visitor (claims the conversation). */
export const operatorMessageCreate = z.strictObject({
  content: text(1, 4000),
  ...operatorIdentity,
});
export type OperatorMessageCreate = z.input<typeof operatorMessageCreate>;

/** `POST /conversations/:id/typing`: the operator is typing (true) or stopped (false); sent live, not stored. */
export const operatorTyping = z.strictObject({ typing: z.boolean(), ...operatorIdentity });
export type OperatorTyping = z.input<typeof operatorTyping>;
