// List filters of conversations and leads, and the fields of a lead as a visitor or the model gives them.
import * as z from 'zod/mini';
import { id, instant, storableString, text } from '../common.ts';
import { crmSyncState, leadStatus } from '../conversation.ts';
import { conversationStatus } from '../handoff.ts';
import { listQuery, queryBoolean } from './list.ts';

/** The filters of the conversation list and its CSV export. */
const conversationFilters = {
  agentId: z.optional(id),
  status: z.optional(conversationStatus),
  /** ISO 8601 instants of the conversation's start; `to` is exclusive. */
  from: z.optional(instant),
  to: z.optional(instant),
  /** `true`: only conversations that produced a lead; `false`: only those that did not. */
  hasLead: z.optional(queryBoolean),
  /**
   * Words to find, case-insensitively, anywhere in the conversation's messages or its visitor's name, e-mail or
   * phone (a substring match, so "ship" finds "shipping"; 1–200 characters).
   */
  q: z.optional(text(1, 200)),
};

export const conversationListQuery = z.extend(listQuery, conversationFilters);
export type ConversationListQuery = z.input<typeof conversationListQuery>;

/** `GET /conversations/export`: the list's filters, every matching conversation with its messages. */
export const conversationExportQuery = z.object(conversationFilters);
export type ConversationExportQuery = z.input<typeof conversationExportQuery>;

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

/** The filters of the lead list and its CSV export. */
const leadFilters = {
  agentId: z.optional(id),
  status: z.optional(leadStatus),
  crmState: z.optional(crmSyncState),
  /** ISO 8601 instants of the lead's capture; `to` is exclusive. */
  from: z.optional(instant),
  to: z.optional(instant),
};

export const leadListQuery = z.extend(listQuery, leadFilters);
export type LeadListQuery = z.input<typeof leadListQuery>;

/** `GET /leads/export`: the list's filters, every matching lead. */
export const leadExportQuery = z.object(leadFilters);
export type LeadExportQuery = z.input<typeof leadExportQuery>;
