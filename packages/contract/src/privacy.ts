// Privacy controls: how long conversations are kept, a data subject's export and erasure, and their audit log.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';
import { conversationWithMessages, lead } from './conversation.ts';

/** What happens to a lead when the conversation it came from reaches the retention age. */
export const leadRetention = z.enum(['keep', 'anonymize', 'delete']);
export type LeadRetention = z.infer<typeof leadRetention>;

/**
 * An organisation's retention: conversations (with their messages) whose last message is older than
 * `retentionDays` are deleted by the worker, daily; `null` keeps them. Leads older than that follow
 * `leadRetention`: kept, anonymised (name, e-mail, phone, company and need removed) or deleted.
 */
export const retentionSettings = z.object({
  retentionDays: z.nullable(z.int().check(z.minimum(1), z.maximum(3650))),
  leadRetention,
});
export type RetentionSettings = z.infer<typeof retentionSettings>;

/** The settings, with what the next run would remove today (a dry run; nothing is removed by reading). */
export const retentionReport = z.extend(retentionSettings, {
  due: z.object({ conversations: z.int(), messages: z.int(), leads: z.int() }),
});
export type RetentionReport = z.infer<typeof retentionReport>;

/** Everything stored about one data subject, found by e-mail, phone or conversation. */
export const privacyExport = z.object({
  conversations: z.array(conversationWithMessages),
  leads: z.array(lead),
  exportedAt: timestamp,
});
export type PrivacyExport = z.infer<typeof privacyExport>;

/** What an erasure removed (or, as a dry run, would remove). Queued CRM deliveries of those leads included. */
export const erasureResult = z.object({
  dryRun: z.boolean(),
  conversations: z.int(),
  messages: z.int(),
  leads: z.int(),
  crmJobs: z.int(),
});
export type ErasureResult = z.infer<typeof erasureResult>;

/** One line of the privacy audit log: who did what, to whom (masked), when, with what effect. */
export const privacyAuditEntry = z.object({
  id,
  action: z.enum(['export', 'erase', 'retention', 'retention_settings']),
  actor: z.object({ kind: z.enum(['secret', 'member', 'visitor', 'worker']), id: z.nullable(z.string()) }),
  /** The subject as asked for, with e-mail and phone masked (`j***@example.com`, `***4567`). */
  subject: z.record(z.string(), z.unknown()),
  counts: z.record(z.string(), z.unknown()),
  createdAt: timestamp,
});
export type PrivacyAuditEntry = z.infer<typeof privacyAuditEntry>;
