// The official Stripe client, over `fetch` and SubtleCrypto so the same code runs in Deno and Node.
import Stripe from 'stripe';
import { ApiError } from '../http/errors.ts';
import { limitedFetch, MiB } from '../http/responseBody.ts';
import { logFailure } from '../log.ts';
import type { BillingConfig } from './config.ts';

/** Stripe's API version this code is written against (the library's own). */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

/** Cap of one Stripe answer: a list page is at most 100 objects (a few hundred KiB); past it, a failed call. */
const STRIPE_ANSWER_BYTES = 8 * MiB;

/**
 * Longest one Stripe request may take, body included: the library's fetch client keeps its timer armed while it
 * reads the answer (stripe-node #2814), so a stalled body ends too. A timed-out request is retried once.
 */
export const STRIPE_TIMEOUT_MS = 20_000;

const clients = new Map<string, Stripe>();

/**
 * A client for `secretKey` over the capped global fetch (looked up at call time, so a test's interceptor sees every
 * request); each request ends within `timeoutMs` with a StripeConnectionError.
 */
export function createStripeClient(secretKey: string, timeoutMs = STRIPE_TIMEOUT_MS): Stripe {
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(limitedFetch(STRIPE_ANSWER_BYTES)),
    maxNetworkRetries: 1,
    timeout: timeoutMs,
  });
}

/** One client per key. */
export function stripeClient(config: BillingConfig): Stripe {
  let client = clients.get(config.secretKey);
  if (!client) {
    client = createStripeClient(config.secretKey);
    clients.set(config.secretKey, client);
  }
  return client;
}

/** Verifies a webhook delivery's `Stripe-Signature` (HMAC-SHA256 over the raw body, 5-minute tolerance). */
export function verifyWebhook(
  config: BillingConfig & { webhookSecret: string },
  body: string,
  signature: string,
): Promise<Stripe.Event> {
  return stripeClient(config).webhooks.constructEventAsync(
    body,
    signature,
    config.webhookSecret,
    undefined,
    Stripe.createSubtleCryptoProvider(),
  );
}

/**
 * Stripe's refusal (a price it does not have, a key without the permission) or silence, during an admin's
 * request: a 502 `upstream_error`, never a 500. Only owners and admins reach these routes.
 */
export async function askStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    logFailure(error, { level: 'warn', where: `stripe ${what}` });
    // A request Stripe found wrong (a price it does not have) is the operator's to fix and says so; any other
    // refusal (the key: Stripe's message quotes part of it) stays in the log.
    const said =
      error.type === 'StripeConnectionError'
        ? 'could not be reached'
        : error.type === 'StripeInvalidRequestError'
          ? `refused: ${error.message}`
          : 'refused the request (see the server log)';
    throw new ApiError('upstream_error', `Stripe ${said} (${what})`);
  }
}

export type { Stripe };
