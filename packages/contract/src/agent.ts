// Agents: who the sales agent is, how it talks, where it may be embedded.
import * as z from 'zod/mini';
import { id, int, name, timestamp, upTo } from './common.ts';

/** Languages with a Postgres full-text configuration; any other code falls back to `simple`. */
export const fullTextLanguages = {
  en: 'english',
  ru: 'russian',
  es: 'spanish',
  pt: 'portuguese',
  de: 'german',
  fr: 'french',
  it: 'italian',
  nl: 'dutch',
  tr: 'turkish',
} as const;

export const language = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as "en" or "pt-BR"'));

/** An exact origin; `*.` as the whole first label of the host stands for any one subdomain label. */
const isOrigin = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
};
const origin = z.string().check(
  z.refine((value) => {
    if (value === '*') return true;
    const wildcard = /^(https?:\/\/)\*\.([^*]+)$/.exec(value);
    // `https://*.example.com`: the rest must be an origin with a dotted host (no `*.com`), or localhost.
    if (wildcard)
      return (
        isOrigin(`${wildcard[1]}${wildcard[2]}`) && /^([^.:]+\.[^:]+|localhost)(:\d+)?$/.test(wildcard[2]!)
      );
    // A `*` anywhere else is accepted by URL but matches no browser's Origin: refuse it.
    return !value.includes('*') && isOrigin(value);
  }, 'must be an origin such as "https://example.com" or "https://*.example.com" (scheme and host, no path or trailing slash) or "*"'),
);

export const leadField = z.enum(['name', 'email', 'phone', 'company', 'need']);
export type LeadField = z.infer<typeof leadField>;

export const leadCaptureSettings = z.object({
  enabled: z._default(z.boolean(), true),
  fields: z._default(
    z.array(z.object({ field: leadField, required: z._default(z.boolean(), false) })).check(
      z.maxLength(5),
      z.refine(
        (fields) => new Set(fields.map((f) => f.field)).size === fields.length,
        'fields must not repeat',
      ),
    ),
    [
      { field: 'name', required: true },
      { field: 'phone', required: false },
      { field: 'email', required: false },
    ],
  ),
  consentText: z._default(upTo(500), ''),
  /** Show the lead form after this many visitor messages (0: only when the agent asks). */
  formAfterMessages: z._default(int(0, 50), 0),
});
export type LeadCaptureSettings = z.infer<typeof leadCaptureSettings>;

export const agentTheme = z.object({
  accentColor: z._default(
    z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as "#4f46e5"')),
    '#4f46e5',
  ),
  position: z._default(z.enum(['left', 'right']), 'right'),
  mode: z._default(z.enum(['light', 'dark', 'auto']), 'auto'),
});
export type AgentTheme = z.infer<typeof agentTheme>;

export const agentRateLimits = z.object({
  visitorPerMinute: z._default(int(1, 1000), 20),
  ipPerMinute: z._default(int(1, 10000), 60),
});

export const agentStatus = z.enum(['active', 'paused']);

/** Each writable agent field with its rules; the request schemas in inputs/ build on these. */
export const agentFields = {
  name: name(100),
  slug: z
    .string()
    .check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes')),
  description: upTo(1000),
  persona: upTo(8000),
  goal: upTo(2000),
  language,
  model: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  temperature: z.number().check(z.gte(0), z.lte(2)),
  maxTokens: int(16, 32000),
  greeting: upTo(1000),
  starterPrompts: z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))).check(z.maxLength(6)),
  leadCapture: leadCaptureSettings,
  allowedOrigins: z.array(origin).check(z.maxLength(50)),
  theme: agentTheme,
  status: agentStatus,
  knowledgeCategoryIds: z.array(id).check(z.maxLength(100)),
  rateLimits: agentRateLimits,
  /** Seconds after page load before the widget opens itself (null: never). */
  proactiveOpenSeconds: z.nullable(int(1, 600)),
};

export const agent = z.object({
  id,
  orgId: id,
  ...agentFields,
  publishableKey: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Agent = z.infer<typeof agent>;
