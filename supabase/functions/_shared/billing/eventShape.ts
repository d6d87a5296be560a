// The parts of a Stripe event Closer reads, checked before any of it reaches the database. The signature says
// who sent the bytes, not that they are sane: an id that is not text, a `created` in year 33658 or a period
// end the database cannot hold must be a 400 (Stripe shows it in the endpoint's log), never a 500, and a
// `created` far in the future must not freeze the subscription (every later event would look older).
import { storableString } from '@closer/contract';
import * as z from 'zod/mini';
import { ApiError, zodIssues } from '../http/errors.ts';
import type { Stripe } from './stripe.ts';

/** How far ahead of our clock an event may be stamped: clocks drift, a year-5138 stamp would freeze billing. */
export const MAX_CLOCK_AHEAD_SECONDS = 24 * 60 * 60;
/** 9999-12-31T23:59:59Z: the last second a timestamp column holds in every driver. */
const LAST_SECOND = 253_402_300_799;

const stripeText = (max: number) => storableString().check(z.minLength(1), z.maxLength(max));
const unixSeconds = z.number().check(z.int(), z.gte(0), z.lte(LAST_SECOND));
const notAhead = z.refine<number>(
  (seconds) => seconds <= Date.now() / 1000 + MAX_CLOCK_AHEAD_SECONDS,
  'must not be more than a day in the future',
);
/** A reference Stripe sends as an id or, expanded, as the object. */
const reference = z.optional(z.nullable(z.union([stripeText(255), z.looseObject({ id: stripeText(255) })])));
const metadata = z.optional(z.nullable(z.record(storableString(), storableString().check(z.maxLength(500)))));

const checkoutSession = z.looseObject({
  mode: z.optional(z.nullable(stripeText(50))),
  customer: reference,
  subscription: reference,
  client_reference_id: z.optional(z.nullable(stripeText(200))),
  metadata,
});

const subscription = z.looseObject({
  id: stripeText(255),
  customer: reference,
  status: stripeText(50),
  cancel_at_period_end: z.optional(z.nullable(z.boolean())),
  metadata,
  current_period_start: z.optional(z.nullable(unixSeconds)),
  current_period_end: z.optional(z.nullable(unixSeconds)),
  items: z.optional(
    z.nullable(
      z.looseObject({
        data: z.optional(
          z.array(
            z.looseObject({
              price: z.optional(z.nullable(z.looseObject({ id: stripeText(255) }))),
              current_period_start: z.optional(z.nullable(unixSeconds)),
              current_period_end: z.optional(z.nullable(unixSeconds)),
            }),
          ),
        ),
      }),
    ),
  ),
});

const invoice = z.looseObject({ customer: reference });

/** The object each event type Closer applies carries; other types are acknowledged and ignored. */
const objectOf: Record<string, z.ZodMiniType> = {
  'checkout.session.completed': checkoutSession,
  'customer.subscription.created': subscription,
  'customer.subscription.updated': subscription,
  'customer.subscription.deleted': subscription,
  'invoice.paid': invoice,
  'invoice.payment_failed': invoice,
};

const envelope = z.looseObject({
  id: stripeText(255),
  type: stripeText(100),
  created: unixSeconds.check(notAhead),
  data: z.looseObject({ object: z.looseObject({}) }),
});

/** `event` (verified by its signature) when Closer can read it; 400 naming the fields otherwise. */
export function readableStripeEvent(event: Stripe.Event): Stripe.Event {
  const checked = z.safeParse(envelope, event);
  const object = checked.success ? objectOf[checked.data.type] : undefined;
  const error = checked.success ? object && z.safeParse(object, event.data.object).error : checked.error;
  if (!error) return event;
  const details = zodIssues(error).map((issue) =>
    checked.success ? { ...issue, path: ['data', 'object', ...issue.path] } : issue,
  );
  throw new ApiError('bad_request', 'The Stripe event has fields Closer cannot read', { details });
}
