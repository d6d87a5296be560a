// The Kommo CRM connection as the API shows it: state, account, pipelines and the lead-sync settings.
import * as z from 'zod/mini';
import { timestamp } from './common.ts';

export const kommoSettings = z.object({
  pipelineId: z.nullable(z.number()),
  statusId: z.nullable(z.number()),
  responsibleUserId: z.nullable(z.number()),
  tags: z.array(z.string()),
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

export const kommoCatalog = z.object({ pipelines: z.array(kommoPipeline), users: z.array(kommoUser) });
export type KommoCatalog = z.infer<typeof kommoCatalog>;

export const kommoOauthStart = z.object({ url: z.string() });
