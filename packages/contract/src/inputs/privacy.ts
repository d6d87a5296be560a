// Requests of the privacy routes: retention settings, and a data subject named by e-mail, phone or conversation.
import * as z from 'zod/mini';
import { id, storableString } from '../common.ts';
import { leadRetention } from '../privacy.ts';

export const retentionUpdate = z.strictObject({
  retentionDays: z.nullable(z.int().check(z.minimum(1), z.maximum(3650))),
  leadRetention: z.optional(leadRetention),
});
export type RetentionUpdate = z.input<typeof retentionUpdate>;

/** A data subject: at least one of e-mail, phone or conversation id; all given must match. */
export const privacySubject = z
  .strictObject({
    email: z.optional(z.email().check(z.maxLength(320))),
    phone: z.optional(storableString().check(z.minLength(5), z.maxLength(50), z.regex(/\d{5,}|(\d\D?){5,}/))),
    conversationId: z.optional(id),
  })
  .check(
    z.refine((subject) => Boolean(subject.email || subject.phone || subject.conversationId), {
      message: 'name the subject by email, phone or conversationId',
    }),
  );
export type PrivacySubject = z.input<typeof privacySubject>;

/** `POST /privacy/erase`: the subject; `dryRun: true` counts what would go without removing it. */
export const erasureRequest = z
  .strictObject({
    email: z.optional(z.email().check(z.maxLength(320))),
    phone: z.optional(storableString().check(z.minLength(5), z.maxLength(50), z.regex(/\d{5,}|(\d\D?){5,}/))),
    conversationId: z.optional(id),
    dryRun: z.optional(z.boolean()),
  })
  .check(
    z.refine((subject) => Boolean(subject.email || subject.phone || subject.conversationId), {
      message: 'name the subject by email, phone or conversationId',
    }),
  );
export type ErasureRequest = z.input<typeof erasureRequest>;
