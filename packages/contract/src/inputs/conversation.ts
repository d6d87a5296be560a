// List filters of conversations and leads, and the fields of a lead as a visitor or the model gives them.
import * as z from 'zod/mini';
import { id, instant, storableString, text } from '../common.ts';
import { conversationStatus, crmSyncState, leadStatus } from '../conversation.ts';
import { listQuery } from './list.ts';

export const conversationListQuery = z.extend(listQuery, {
  agentId: z.optional(id),
  status: z.optional(conversationStatus),
  from: z.optional(instant),
  to: z.optional(instant),
});

/** Each lead field on its own, all optional. */
export const leadFieldsObject = z.strictObject({
  name: z.optional(text(1, 200)),
  email: z.optional(z.email('must be an email address').check(z.maxLength(320))),
  phone: z.optional(
    storableString().check(z.trim(), z.regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a phone number')),
  ),
  company: z.optional(text(1, 200)),
  need: z.optional(text(1, 2000)),
});
export const leadFields = leadFieldsObject.check(
  z.refine((f) => Object.values(f).some((v) => v !== undefined), 'at least one field is required'),
);
export type LeadFields = z.infer<typeof leadFields>;

export const leadListQuery = z.extend(listQuery, {
  agentId: z.optional(id),
  status: z.optional(leadStatus),
  crmState: z.optional(crmSyncState),
  from: z.optional(instant),
  to: z.optional(instant),
});
