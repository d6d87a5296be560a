// Requests of the Kommo integration.
import * as z from 'zod/mini';
import { storable, text } from '../common.ts';
import { kommoFieldTargetInput } from '../kommo.ts';

export const kommoOauthStartRequest = z.strictObject({
  /** Where to send the user after Kommo: an http(s) URL of your app. */
  returnUrl: z.optional(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).check(z.maxLength(2000), storable),
  ),
});

export const kommoSettingsUpdate = z.partial(
  z.strictObject({
    pipelineId: z.number().check(z.int(), z.gt(0)),
    statusId: z.number().check(z.int(), z.gt(0)),
    responsibleUserId: z.nullable(z.number().check(z.int(), z.gt(0))),
    tags: z.array(text(1, 50)).check(z.maxLength(10)),
    /** A user of the Kommo account (see `pipelines().users`), or null. */
    handoffTaskUserId: z.nullable(z.number().check(z.int(), z.gt(0))),
    /** 1–1440 minutes. */
    handoffTaskDueMinutes: z.number().check(z.int(), z.gte(1), z.lte(1440)),
    /** Only the keys given change; null removes a mapping. */
    fieldMap: z.partial(
      z.strictObject({ company: z.nullable(kommoFieldTargetInput), need: z.nullable(kommoFieldTargetInput) }),
    ),
  }),
);
export type KommoSettingsUpdate = z.input<typeof kommoSettingsUpdate>;
