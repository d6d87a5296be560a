// The Kommo CRM connection as the API shows it: state, account, pipelines and the lead-sync settings.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';

/** Where a lead field goes in Kommo: a text custom field of the Kommo lead or of its contact. */
const kommoFieldTargetShape = {
  entity: z.enum(['lead', 'contact']),
  fieldId: z.number().check(z.int(), z.gt(0)),
};
export const kommoFieldTarget = z.object(kommoFieldTargetShape);
/** A field target in a settings change: unknown keys refused. */
export const kommoFieldTargetInput = z.strictObject(kommoFieldTargetShape);
export type KommoFieldTarget = z.infer<typeof kommoFieldTarget>;

export const kommoSettings = z.object({
  pipelineId: z.nullable(z.number()),
  statusId: z.nullable(z.number()),
  responsibleUserId: z.nullable(z.number()),
  tags: z.array(z.string()),
  /**
   * Who gets the Kommo task when a visitor asks for a person and the conversation has no lead in Kommo (with
   * one, the lead's responsible user gets it); null: `responsibleUserId`, else the user who connected Kommo.
   */
  handoffTaskUserId: z._default(z.nullable(z.number()), null),
  /** How many minutes after the visitor asked for a person that task is due. @default 15 */
  handoffTaskDueMinutes: z._default(z.number(), 15),
  /**
   * Which lead fields go where beyond the standard ones (name → contact name, phone and email → the contact's
   * PHONE and EMAIL): `company` and `need` to a custom field, or null to leave them in the transcript note only.
   */
  fieldMap: z.object({ company: z.nullable(kommoFieldTarget), need: z.nullable(kommoFieldTarget) }),
});
export type KommoSettings = z.infer<typeof kommoSettings>;

export const kommoPipeline = z.object({
  id: z.number(),
  name: z.string(),
  isMain: z.boolean(),
  statuses: z.array(z.object({ id: z.number(), name: z.string(), sort: z.number() })),
});
export type KommoPipeline = z.infer<typeof kommoPipeline>;

export const kommoUser = z.object({ id: z.number(), name: z.string(), email: z.nullable(z.string()) });

/** A custom field of the account's leads or contacts (`type` as Kommo names it: text, textarea, numeric…). */
export const kommoCustomField = z.object({
  id: z.number(),
  name: z.string(),
  type: z.string(),
  entity: z.enum(['lead', 'contact']),
});
export type KommoCustomField = z.infer<typeof kommoCustomField>;

export const kommoConnection = z.object({
  /** `not_connected` until OAuth completes; `reauth_required` when Kommo refused the refresh token. */
  status: z.enum(['not_connected', 'connected', 'reauth_required', 'disconnected']),
  subdomain: z.nullable(z.string()),
  accountId: z.nullable(z.number()),
  settings: kommoSettings,
  lastSyncAt: z.nullable(timestamp),
  lastError: z.nullable(z.string()),
  /**
   * Where Kommo sends lead changes (`…/kommo/webhooks/<secret>`). Registered in Kommo at connect when the
   * account allows it (`webhookRegistered`); otherwise add it by hand in Kommo's settings.
   */
  webhookUrl: z.nullable(z.string()),
  webhookRegistered: z.boolean(),
});
export type KommoConnection = z.infer<typeof kommoConnection>;

export const kommoCatalog = z.object({
  pipelines: z.array(kommoPipeline),
  users: z.array(kommoUser),
  customFields: z.array(kommoCustomField),
});
export type KommoCatalog = z.infer<typeof kommoCatalog>;

export const kommoOauthStart = z.object({ url: z.string() });

/**
 * `GET /kommo/salesbot/setup`: what an administrator pastes into Kommo so the agent answers its chats
 * (docs/kommo-chat.md). `url` is the agent's Salesbot URL, called by the bot's `widget_request` step; `salesbot`
 * is the bot's source (Kommo's Salesbot JSON: steps of `question` and `answer` handlers), pasted as it is.
 */
export const kommoSalesbotSetup = z.object({
  agentId: id,
  url: z.string(),
  salesbot: z.array(z.record(z.string(), z.unknown())),
});
export type KommoSalesbotSetup = z.infer<typeof kommoSalesbotSetup>;
