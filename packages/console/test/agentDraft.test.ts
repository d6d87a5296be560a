// The agent editor's draft: what a save sends (only what changed, numbers from their inputs' text, empty as
// null where the API means "default") and which field each of the contract's refusals belongs to.
import { type Agent, agent as agentSchema } from '@closer/contract';
import { describe, expect, it } from 'vitest';
import { changes, draftOf } from '../src/pages/agents/draft.ts';

const saved: Agent = agentSchema.parse({
  id: '00000000-0000-4000-8000-0000000000a1',
  orgId: '00000000-0000-4000-8000-0000000000f1',
  name: 'Maya',
  slug: 'maya',
  description: '',
  persona: 'A friendly solar advisor.',
  goal: 'Book a survey.',
  language: 'en',
  model: 'openai/gpt-4o-mini',
  contextWindow: 128000,
  temperature: 0.4,
  maxTokens: 600,
  greeting: 'Hi!',
  starterPrompts: ['How much could I save?'],
  leadCapture: {},
  allowedOrigins: ['https://sunpeak.example'],
  theme: {},
  status: 'active',
  knowledgeCategoryIds: ['00000000-0000-4000-8000-0000000000c1'],
  rateLimits: {},
  proactiveOpenSeconds: null,
  handoff: { enabled: false },
  publishableKey: 'pk_demo_0123456789',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
});

describe('the agent draft', () => {
  it('sends nothing when nothing changed, and never the knowledge categories', () => {
    expect(changes(saved, draftOf(saved))).toEqual({ ok: true, body: {} });
  });

  it('sends only the changed fields, numbers read from their text, empty model and window as the default', () => {
    const draft = draftOf(saved);
    draft.persona = 'A calm advisor.';
    draft.temperature = '0.7';
    draft.model = '  ';
    draft.contextWindow = '';
    draft.proactiveOpenSeconds = '30';
    draft.rateLimits.visitorPerMinute = '10';
    const result = changes(saved, draft);
    expect(result).toEqual({
      ok: true,
      body: {
        persona: 'A calm advisor.',
        temperature: 0.7,
        model: null,
        contextWindow: null,
        proactiveOpenSeconds: 30,
        rateLimits: { ...saved.rateLimits, visitorPerMinute: 10 },
      },
    });
  });

  it("names the field of each of the contract's refusals, nested ones by their path", () => {
    const draft = draftOf(saved);
    draft.temperature = '';
    draft.maxTokens = '5';
    draft.allowedOrigins = ['https://sunpeak.example', 'sunpeak.example/pricing'];
    draft.leadCapture.consentText = 'x'.repeat(501);
    draft.theme.accentColor = 'orange';
    draft.starterPrompts = ['', 'Fine'];
    const result = changes(saved, draft);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'allowedOrigins.1',
      'leadCapture.consentText',
      'maxTokens',
      'starterPrompts.0',
      'temperature',
      'theme.accentColor',
    ]);
    expect(result.errors['theme.accentColor']).toContain('#4f46e5');
  });

  it('keeps a copy: editing the draft never changes the saved agent', () => {
    const draft = draftOf(saved);
    draft.starterPrompts.push('Another');
    draft.leadCapture.fields.pop();
    draft.theme.position = 'left';
    expect(saved.starterPrompts).toEqual(['How much could I save?']);
    expect(saved.leadCapture.fields).toHaveLength(3);
    expect(saved.theme.position).toBe('right');
  });
});
