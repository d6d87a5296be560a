// Who the agent is and how it talks: name, persona, goal, language, model settings, greeting, starter prompts.
import { t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import { ListEditor } from '../../../ui/ListEditor.tsx';
import type { SectionProps } from '../AgentEditor.tsx';
import { languageOptions } from '../options.ts';

export function ConversationSection({ draft, set, errors }: SectionProps) {
  const languages = languageOptions();
  if (!languages.some((option) => option.code === draft.language))
    languages.push({ code: draft.language, label: draft.language });
  return (
    <>
      <div class="card">
        <h2>{t('agent.identity')}</h2>
        <div class="grid-2">
          <Field label={t('agents.name')} error={errors.name}>
            {(control) => (
              <input
                {...control}
                value={draft.name}
                onInput={(event) => set({ name: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('agents.language')} hint={t('agent.languageHint')} error={errors.language}>
            {(control) => (
              <select
                {...control}
                value={draft.language}
                onChange={(event) => set({ language: event.currentTarget.value })}
              >
                {languages.map((option) => (
                  <option key={option.code} value={option.code}>
                    {option.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label={t('agent.slug')} hint={t('agent.slugHint')} error={errors.slug}>
          {(control) => (
            <input
              {...control}
              value={draft.slug}
              onInput={(event) => set({ slug: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label={t('agent.description')} hint={t('agent.descriptionHint')} error={errors.description}>
          {(control) => (
            <input
              {...control}
              value={draft.description}
              onInput={(event) => set({ description: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label={t('agent.persona')} hint={t('agent.personaHint')} error={errors.persona}>
          {(control) => (
            <textarea
              {...control}
              rows={6}
              value={draft.persona}
              onInput={(event) => set({ persona: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label={t('agent.goal')} hint={t('agent.goalHint')} error={errors.goal}>
          {(control) => (
            <textarea
              {...control}
              rows={3}
              value={draft.goal}
              onInput={(event) => set({ goal: event.currentTarget.value })}
            />
          )}
        </Field>
      </div>
      <div class="card">
        <h2>{t('agent.opening')}</h2>
        <Field label={t('agent.greeting')} hint={t('agent.greetingHint')} error={errors.greeting}>
          {(control) => (
            <textarea
              {...control}
              rows={2}
              value={draft.greeting}
              onInput={(event) => set({ greeting: event.currentTarget.value })}
            />
          )}
        </Field>
        <ListEditor
          legend={t('agent.starterPrompts')}
          hint={t('agent.starterPromptsHint')}
          itemLabel={(n) => t('agent.starterPrompt', { n })}
          items={draft.starterPrompts}
          onChange={(starterPrompts) => set({ starterPrompts })}
          errors={errors}
          path="starterPrompts"
          max={6}
          addLabel={t('agent.addStarterPrompt')}
        />
      </div>
      <div class="card">
        <h2>{t('agent.model')}</h2>
        <div class="grid-2">
          <Field label={t('agents.model')} hint={t('agent.modelHint')} error={errors.model}>
            {(control) => (
              <input
                {...control}
                value={draft.model}
                placeholder="openai/gpt-4o-mini"
                onInput={(event) => set({ model: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field
            label={t('agent.contextWindow')}
            hint={t('agent.contextWindowHint')}
            error={errors.contextWindow}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={1024}
                value={draft.contextWindow}
                onInput={(event) => set({ contextWindow: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('agent.temperature')} hint={t('agent.temperatureHint')} error={errors.temperature}>
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="decimal"
                min={0}
                max={2}
                step={0.1}
                value={draft.temperature}
                onInput={(event) => set({ temperature: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('agent.maxTokens')} hint={t('agent.maxTokensHint')} error={errors.maxTokens}>
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={16}
                max={32000}
                value={draft.maxTokens}
                onInput={(event) => set({ maxTokens: event.currentTarget.value })}
              />
            )}
          </Field>
        </div>
      </div>
    </>
  );
}
