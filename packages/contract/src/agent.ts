// Agents: who the sales agent is, how it talks, where it may be embedded.
import * as z from 'zod/mini';
import { stageSuggestions } from './booking.ts';
import { businessHoursInput } from './businessHours.ts';
import { id, int, name, storableString, text, timestamp, upTo } from './common.ts';

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

export const language = storableString().check(
  z.regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as "en" or "pt-BR"'),
);

/** An exact origin; `*.` as the whole first label of the host stands for any one subdomain label. */
const isOrigin = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
};
const origin = storableString().check(
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

const leadFieldRule = { field: leadField, required: z._default(z.boolean(), false) };
type LeadFieldRule = z.ZodMiniType<
  { field: LeadField; required: boolean },
  { field: LeadField; required?: boolean | undefined }
>;
const leadFieldRules = (rule: LeadFieldRule) =>
  z._default(
    z.array(rule).check(
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
  );
const leadCaptureShape = (rule: LeadFieldRule) => ({
  enabled: z._default(z.boolean(), true),
  fields: leadFieldRules(rule),
  consentText: z._default(upTo(500), ''),
  /** Show the lead form after this many visitor messages (0: only when the agent asks). */
  formAfterMessages: z._default(int(0, 50), 0),
});
export const leadCaptureSettings = z.object(leadCaptureShape(z.object(leadFieldRule)));
export type LeadCaptureSettings = z.infer<typeof leadCaptureSettings>;

const agentThemeShape = {
  accentColor: z._default(
    storableString().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as "#4f46e5"')),
    '#4f46e5',
  ),
  position: z._default(z.enum(['left', 'right']), 'right'),
  mode: z._default(z.enum(['light', 'dark', 'auto']), 'auto'),
};
export const agentTheme = z.object(agentThemeShape);
export type AgentTheme = z.infer<typeof agentTheme>;

/**
 * An agent's abuse limits and spend ceilings; over any of them the request is answered 429 `rate_limited`
 * with `Retry-After`. Minutes, hours and days are fixed UTC windows counted in Postgres.
 */
const agentRateLimitsShape = {
  /** Visitor messages a minute in one conversation. @default 20 */
  visitorPerMinute: z._default(int(1, 1000), 20),
  /**
   * Visitor messages (publishable key) a minute from one client address (an IPv6 /64) to this agent; secret-key
   * relays and members are not counted per address. @default 60
   */
  ipPerMinute: z._default(int(1, 10000), 60),
  /** Model replies this agent may give in one hour (chat and the OpenAI-compatible endpoint). @default 2000 */
  repliesPerHour: z._default(int(1, 1_000_000), 2000),
  /** Model replies this agent may give in one day. @default 20000 */
  repliesPerDay: z._default(int(1, 10_000_000), 20_000),
  /** Model tokens (input + output) this agent may use in one hour; a reply in flight may overshoot it. @default 2000000 */
  tokensPerHour: z._default(int(1000, 1_000_000_000), 2_000_000),
  /** Model tokens this agent may use in one day. @default 20000000 */
  tokensPerDay: z._default(int(1000, 1_000_000_000), 20_000_000),
  /** Lead writes (form or capture_lead tool) an hour in one conversation. @default 5 */
  leadsPerConversationPerHour: z._default(int(1, 100), 5),
  /** Lead writes an hour across all of this agent's conversations. @default 200 */
  leadsPerHour: z._default(int(1, 100_000), 200),
  /**
   * Lead writes an hour from one client address (an IPv6 /64) to this agent, so that one client cannot use up
   * `leadsPerHour` for every visitor. Visitors (publishable key) only; not applied when the deployment cannot tell
   * the client's address. @default 20
   */
  leadsPerAddressPerHour: z._default(int(1, 100_000), 20),
};
export const agentRateLimits = z.object(agentRateLimitsShape);
export type AgentRateLimits = z.infer<typeof agentRateLimits>;

/** Handoff to a person (docs/handoff.md). */
const agentHandoffShape = {
  /**
   * The agent may hand a conversation to a person: the model gets the `request_human` tool, the offline responder
   * recognises a visitor asking for a person. Operators may claim any conversation either way. @default false
   */
  enabled: z._default(z.boolean(), false),
  /**
   * When people answer; outside them a request for a person is answered at once with the hours and the lead form
   * (docs/handoff.md#business-hours). null: always. @default null
   */
  hours: z._default(z.nullable(businessHoursInput), null),
  /**
   * Seconds a request for a person may wait unclaimed before the visitor is told the same (30–86400); null: it
   * waits until someone claims it. @default null
   */
  pickupTimeoutSeconds: z._default(z.nullable(int(30, 86_400)), null),
  /**
   * After telling the visitor nobody is there: `resume` hands the conversation back to the agent (`active`),
   * `silent` leaves it waiting for a person (`handoff_requested`). @default 'resume'
   */
  whenUnanswered: z._default(z.enum(['resume', 'silent']), 'resume'),
  /**
   * Hand the conversation to a person as soon as the visitor's contact details are first saved (the lead form,
   * the model's capture_lead, a booking). Acts only with `enabled`; neither rule asks while a person is asked for
   * or holds the conversation, nor after its last request went unanswered (until the visitor asks again).
   * @default false
   */
  afterLeadCaptured: z._default(z.boolean(), false),
  /**
   * Hand the conversation to a person at the Nth reply in a row (1–20) for which retrieval found no relevant
   * knowledge (no passage, no objection answer; greetings and thanks do not count, nor break the run). null: never.
   * Acts only with `enabled`, and as `afterLeadCaptured` says. @default null
   */
  afterUnansweredReplies: z._default(z.nullable(int(1, 20)), null),
};
export const agentHandoff = z.object(agentHandoffShape);
export type AgentHandoff = z.infer<typeof agentHandoff>;

// Requests refuse keys they do not know (a typo must not vanish); responses stay loose, so fields added later
// never break an older client.
export const leadCaptureSettingsInput = z.strictObject(leadCaptureShape(z.strictObject(leadFieldRule)));
export const agentThemeInput = z.strictObject(agentThemeShape);
export const agentRateLimitsInput = z.strictObject(agentRateLimitsShape);
export const agentHandoffInput = z.strictObject(agentHandoffShape);

export const agentStatus = z.enum(['active', 'paused']);

/** The most tokens one reply may be given (an agent's `maxTokens`, a completion's `max_tokens`). */
export const MAX_REPLY_TOKENS = 32_000;

/** Each writable agent field with its rules; the request schemas in inputs/ build on these. */
export const agentFields = {
  name: name(100),
  slug: storableString().check(
    z.regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes'),
  ),
  description: upTo(1000),
  persona: upTo(8000),
  goal: upTo(2000),
  language,
  /**
   * The model the agent asks its provider for (`openai/gpt-4o-mini` on OpenRouter, `llama3.1:8b` on Ollama);
   * null: the deployment's default (`LLM_MODEL`).
   */
  model: z.nullable(text(1, 200)),
  /**
   * The model's context window in tokens, used to fit persona, knowledge and history into the prompt;
   * null: `LLM_CONTEXT_WINDOW`, else a table of known model names (8,192 for unknown models).
   */
  contextWindow: z.nullable(int(1024, 10_000_000)),
  temperature: z.number().check(z.gte(0), z.lte(2)),
  maxTokens: int(16, MAX_REPLY_TOKENS),
  greeting: upTo(1000),
  starterPrompts: z.array(text(1, 200)).check(z.maxLength(6)),
  leadCapture: leadCaptureSettingsInput,
  allowedOrigins: z.array(origin).check(z.maxLength(50)),
  theme: agentThemeInput,
  status: agentStatus,
  knowledgeCategoryIds: z.array(id).check(z.maxLength(100)),
  rateLimits: agentRateLimitsInput,
  /** Seconds after page load before the widget opens itself (null: never). */
  proactiveOpenSeconds: z.nullable(int(1, 600)),
  handoff: agentHandoffInput,
  /** Quick replies shown under every reply in a script stage (e.g. "Book a call" in `closing`). */
  stageSuggestions,
};

export const agent = z.object({
  id,
  orgId: id,
  ...agentFields,
  leadCapture: leadCaptureSettings,
  theme: agentTheme,
  rateLimits: agentRateLimits,
  /** Absent from servers older than this setting: read as not enabled. */
  handoff: z.prefault(agentHandoff, {}),
  // Absent from servers older than quick replies: read as none.
  stageSuggestions: z._default(stageSuggestions, {}),
  publishableKey: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Agent = z.infer<typeof agent>;

/**
 * Whether the widget of an agent loads on a page (`GET /agents/:id/embed-check?pageUrl=`): the page's origin must
 * be among the agent's allowed origins and the agent active.
 */
export const embedCheck = z.object({
  pageUrl: z.string(),
  /** The page's origin, as a browser sends it in `Origin`. */
  origin: z.string(),
  originAllowed: z.boolean(),
  agentActive: z.boolean(),
  /** Both of the above: the widget loads and chats on that page. */
  loads: z.boolean(),
});
export type EmbedCheck = z.infer<typeof embedCheck>;
