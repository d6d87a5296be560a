// Agents: who the sales agent is, how it talks, where it may be embedded.
import { z } from 'zod';
import { id, name, timestamp } from './common.ts';

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
  .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as "en" or "pt-BR"');

const origin = z.string().refine((value) => {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}, 'must be an origin such as "https://example.com" (scheme and host, no path or trailing slash) or "*"');

export const leadField = z.enum(['name', 'email', 'phone', 'company', 'need']);
export type LeadField = z.infer<typeof leadField>;

export const leadCaptureSettings = z.object({
  enabled: z.boolean().default(true),
  fields: z
    .array(z.object({ field: leadField, required: z.boolean().default(false) }))
    .max(5)
    .refine((fields) => new Set(fields.map((f) => f.field)).size === fields.length, 'fields must not repeat')
    .default([
      { field: 'name', required: true },
      { field: 'phone', required: false },
      { field: 'email', required: false },
    ]),
  consentText: z.string().max(500).default(''),
  /** Show the lead form after this many visitor messages (0: only when the agent asks). */
  formAfterMessages: z.number().int().min(0).max(50).default(0),
});
export type LeadCaptureSettings = z.infer<typeof leadCaptureSettings>;

export const agentTheme = z.object({
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as "#4f46e5"')
    .default('#4f46e5'),
  position: z.enum(['left', 'right']).default('right'),
  mode: z.enum(['light', 'dark', 'auto']).default('auto'),
});
export type AgentTheme = z.infer<typeof agentTheme>;

export const agentRateLimits = z.object({
  visitorPerMinute: z.number().int().min(1).max(1000).default(20),
  ipPerMinute: z.number().int().min(1).max(10000).default(60),
});

export const agentStatus = z.enum(['active', 'paused']);

const agentFields = {
  name: name(100),
  slug: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes'),
  description: z.string().max(1000),
  persona: z.string().max(8000),
  goal: z.string().max(2000),
  language,
  model: z.string().trim().min(1).max(200),
  temperature: z.number().min(0).max(2),
  maxTokens: z.number().int().min(16).max(32000),
  greeting: z.string().max(1000),
  starterPrompts: z.array(z.string().trim().min(1).max(200)).max(6),
  leadCapture: leadCaptureSettings,
  allowedOrigins: z.array(origin).max(50),
  theme: agentTheme,
  status: agentStatus,
  knowledgeCategoryIds: z.array(id).max(100),
  rateLimits: agentRateLimits,
  /** Seconds after page load before the widget opens itself (null: never). */
  proactiveOpenSeconds: z.number().int().min(1).max(600).nullable(),
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

export const agentCreate = z.object({
  name: agentFields.name,
  slug: agentFields.slug.optional(),
  description: agentFields.description.default(''),
  persona: agentFields.persona.default(''),
  goal: agentFields.goal.default(''),
  language: agentFields.language.default('en'),
  model: agentFields.model.default('openai/gpt-4o-mini'),
  temperature: agentFields.temperature.default(0.4),
  maxTokens: agentFields.maxTokens.default(600),
  greeting: agentFields.greeting.default(''),
  starterPrompts: agentFields.starterPrompts.default([]),
  leadCapture: leadCaptureSettings.default(leadCaptureSettings.parse({})),
  allowedOrigins: agentFields.allowedOrigins.default([]),
  theme: agentTheme.default(agentTheme.parse({})),
  status: agentStatus.default('active'),
  knowledgeCategoryIds: agentFields.knowledgeCategoryIds.default([]),
  rateLimits: agentRateLimits.default(agentRateLimits.parse({})),
  proactiveOpenSeconds: agentFields.proactiveOpenSeconds.default(null),
});
export type AgentCreate = z.input<typeof agentCreate>;

export const agentUpdate = z
  .object({
    name: agentFields.name,
    slug: agentFields.slug,
    description: agentFields.description,
    persona: agentFields.persona,
    goal: agentFields.goal,
    language: agentFields.language,
    model: agentFields.model,
    temperature: agentFields.temperature,
    maxTokens: agentFields.maxTokens,
    greeting: agentFields.greeting,
    starterPrompts: agentFields.starterPrompts,
    leadCapture: leadCaptureSettings,
    allowedOrigins: agentFields.allowedOrigins,
    theme: agentTheme,
    status: agentStatus,
    knowledgeCategoryIds: agentFields.knowledgeCategoryIds,
    rateLimits: agentRateLimits,
    proactiveOpenSeconds: agentFields.proactiveOpenSeconds,
  })
  .partial()
  .strict();
export type AgentUpdate = z.input<typeof agentUpdate>;
