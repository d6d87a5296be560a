// The credentials of the API as OpenAPI security schemes, and which of them each `authenticate` admits.
import type { CredentialKind } from '../auth/principal.ts';

export const securitySchemes = {
  secretKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      '`sk_…` secret key of an organisation: server side only (refused when the request has an Origin).',
  },
  memberToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Supabase Auth access token of a signed-in member.',
  },
  organizationId: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Organization-Id',
    description:
      'With a member token: the organisation to act for. Needed only when the user belongs to several.',
  },
  publishableKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      "`pk_…` key of one agent, for web pages: chat routes only, from the agent's allowed origins.",
  },
  workerSecret: {
    type: 'http',
    scheme: 'bearer',
    description: 'CLOSER_WORKER_SECRET, for the scheduler that runs the outbox.',
  },
  stripeSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Stripe-Signature',
    description: "Stripe's signature of a webhook delivery, made with STRIPE_WEBHOOK_SECRET.",
  },
} as const;

export type SecurityRequirement = Partial<Record<keyof typeof securitySchemes, string[]>>;

const requirements: Record<CredentialKind, SecurityRequirement[]> = {
  secret: [{ secretKey: [] }],
  // A member token alone when the user has one organisation, with X-Organization-Id otherwise.
  member: [{ memberToken: [] }, { memberToken: [], organizationId: [] }],
  publishable: [{ publishableKey: [] }],
};

/** The security requirements (alternatives) of a route that admits these credential kinds. */
export const securityFor = (kinds: readonly CredentialKind[]): SecurityRequirement[] =>
  kinds.flatMap((kind) => requirements[kind]);

/** A signed-in user, whether or not they belong to an organisation yet. */
export const signedInUser: SecurityRequirement[] = [{ memberToken: [] }];
