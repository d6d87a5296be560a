// Requests of the Kommo integration.
import * as z from 'zod/mini';

export const kommoOauthStartRequest = z.object({
  /** Where to send the user after Kommo: an http(s) URL of your app. */
  returnUrl: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
});

export const kommoSettingsUpdate = z.partial(
  z.strictObject({
    pipelineId: z.number().check(z.int(), z.gt(0)),
    statusId: z.number().check(z.int(), z.gt(0)),
    responsibleUserId: z.nullable(z.number().check(z.int(), z.gt(0))),
    tags: z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))).check(z.maxLength(10)),
  }),
);
export type KommoSettingsUpdate = z.input<typeof kommoSettingsUpdate>;
