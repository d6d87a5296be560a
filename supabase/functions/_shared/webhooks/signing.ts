// Standard Webhooks signatures (https://www.standardwebhooks.com), made by the specification's own library:
// `webhook-signature` carries one `v1,<base64 HMAC-SHA256>` per signing secret, space-separated, so a receiver
// holding either the old or the new secret verifies during a rotation's overlap.
import { Webhook } from 'standardwebhooks';

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the specification's format). */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for `body` sent as event `eventId` at `at`, signed with every secret in `secrets`. */
export function signedHeaders(
  eventId: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): SignedHeaders {
  if (secrets.length === 0) throw new Error('an endpoint without a signing secret cannot be sent to');
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(eventId, at, body)).join(' '),
  };
}
