// The agent as its editor holds it: every field as typed (numbers as the text in their inputs), so nothing typed is
// lost to a failed check or save; turned into an update body and checked with the contract only when saving.
import {
  type Agent,
  type AgentRateLimits,
  type AgentUpdate,
  agentUpdate,
  type LeadField,
} from '@closer/contract';
import { type FieldErrors, validate } from '../../ui/errors.ts';

export const rateLimitKeys = [
  'visitorPerMinute',
  'ipPerMinute',
  'repliesPerHour',
  'repliesPerDay',
  'tokensPerHour',
  'tokensPerDay',
  'leadsPerConversationPerHour',
  'leadsPerHour',
] as const satisfies readonly (keyof AgentRateLimits)[];

export interface AgentDraft {
  name: string;
  slug: string;
  description: string;
  persona: string;
  goal: string;
  language: string;
  /** Empty: the deployment's default model. */
  model: string;
  contextWindow: string;
  temperature: string;
  maxTokens: string;
  greeting: string;
  starterPrompts: string[];
  leadCapture: {
    enabled: boolean;
    fields: { field: LeadField; required: boolean }[];
    consentText: string;
    formAfterMessages: string;
  };
  allowedOrigins: string[];
  theme: Agent['theme'];
  status: Agent['status'];
  rateLimits: Record<(typeof rateLimitKeys)[number], string>;
  /** Empty: never opens by itself. */
  proactiveOpenSeconds: string;
  handoff: Agent['handoff'];
  /** Quick replies per script stage (set through the API; kept as they are here). */
  stageSuggestions: Agent['stageSuggestions'];
}

const text = (value: number | null) => (value === null ? '' : String(value));

export function draftOf(agent: Agent): AgentDraft {
  return {
    name: agent.name,
    slug: agent.slug,
    description: agent.description,
    persona: agent.persona,
    goal: agent.goal,
    language: agent.language,
    model: agent.model ?? '',
    contextWindow: text(agent.contextWindow),
    temperature: String(agent.temperature),
    maxTokens: String(agent.maxTokens),
    greeting: agent.greeting,
    starterPrompts: [...agent.starterPrompts],
    leadCapture: {
      enabled: agent.leadCapture.enabled,
      fields: agent.leadCapture.fields.map((field) => ({ ...field })),
      consentText: agent.leadCapture.consentText,
      formAfterMessages: String(agent.leadCapture.formAfterMessages),
    },
    allowedOrigins: [...agent.allowedOrigins],
    theme: { ...agent.theme },
    status: agent.status,
    rateLimits: Object.fromEntries(
      rateLimitKeys.map((key) => [key, String(agent.rateLimits[key])]),
    ) as AgentDraft['rateLimits'],
    proactiveOpenSeconds: text(agent.proactiveOpenSeconds),
    handoff: { ...agent.handoff },
    stageSuggestions: agent.stageSuggestions,
  };
}

/** A number input's text as the API gets it: empty or unreadable is NaN, which the contract refuses by name. */
const number = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));
const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

/** The fields the editor changes (knowledge categories are chosen on the Knowledge page). */
export type EditableFields = Required<Omit<AgentUpdate, 'knowledgeCategoryIds'>>;

/** Every editable field as the update body would carry it. */
export function bodyOf(draft: AgentDraft): EditableFields {
  return {
    name: draft.name,
    slug: draft.slug.trim(),
    description: draft.description,
    persona: draft.persona,
    goal: draft.goal,
    language: draft.language,
    model: draft.model.trim() === '' ? null : draft.model.trim(),
    contextWindow: numberOrNull(draft.contextWindow),
    temperature: number(draft.temperature),
    maxTokens: number(draft.maxTokens),
    greeting: draft.greeting,
    starterPrompts: draft.starterPrompts,
    leadCapture: { ...draft.leadCapture, formAfterMessages: number(draft.leadCapture.formAfterMessages) },
    allowedOrigins: draft.allowedOrigins,
    theme: draft.theme,
    status: draft.status,
    rateLimits: Object.fromEntries(
      rateLimitKeys.map((key) => [key, number(draft.rateLimits[key])]),
    ) as EditableFields['rateLimits'],
    proactiveOpenSeconds: numberOrNull(draft.proactiveOpenSeconds),
    handoff: draft.handoff,
    stageSuggestions: draft.stageSuggestions,
  };
}

/**
 * The fields that differ from the saved agent, checked with the contract's update schema: the body to PATCH, or
 * the problems by field path. Knowledge categories (not edited here) are never sent.
 */
export function changes(
  agent: Agent,
  draft: AgentDraft,
): { ok: true; body: AgentUpdate } | { ok: false; errors: FieldErrors } {
  const saved = bodyOf(draftOf(agent));
  const next = bodyOf(draft);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof EditableFields)[]) {
    if (JSON.stringify(next[key]) !== JSON.stringify(saved[key])) body[key] = next[key];
  }
  const checked = validate(agentUpdate, body);
  return checked.ok ? { ok: true, body: checked.data } : checked;
}
