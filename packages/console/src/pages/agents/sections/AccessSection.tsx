// Where the widget may run and how much it may do: status, allowed origins, abuse limits and spend ceilings.
import { type MessageKey, t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import { ListEditor } from '../../../ui/ListEditor.tsx';
import type { SectionProps } from '../AgentEditor.tsx';
import { rateLimitKeys } from '../draft.ts';
import { originOf } from '../options.ts';

export function AccessSection({ draft, set, errors }: SectionProps) {
  return (
    <>
      <div class="card">
        <h2>{t('agents.status')}</h2>
        <fieldset>
          <legend class="visually-hidden">{t('agents.status')}</legend>
          {(['active', 'paused'] as const).map((status) => (
            <label class="check" key={status}>
              <input
                type="radio"
                name="agent-status"
                checked={draft.status === status}
                onChange={() => set({ status })}
              />
              {t(status === 'active' ? 'agent.status.active' : 'agent.status.paused')}
            </label>
          ))}
        </fieldset>
      </div>
      <div class="card" onFocusOut={() => set({ allowedOrigins: draft.allowedOrigins.map(originOf) })}>
        <ListEditor
          legend={t('agents.origins')}
          hint={t('agent.originsHint')}
          itemLabel={(n) => t('agent.origin', { n })}
          items={draft.allowedOrigins}
          onChange={(allowedOrigins) => set({ allowedOrigins })}
          errors={errors}
          path="allowedOrigins"
          max={50}
          placeholder="https://www.example.com"
          addLabel={t('agent.addOrigin')}
        />
      </div>
      <div class="card">
        <h2>{t('agent.limits')}</h2>
        <p class="muted">{t('agent.limitsHint')}</p>
        <div class="grid-2">
          {rateLimitKeys.map((key) => (
            <Field key={key} label={t(`limit.${key}` as MessageKey)} error={errors[`rateLimits.${key}`]}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  value={draft.rateLimits[key]}
                  onInput={(event) =>
                    set({ rateLimits: { ...draft.rateLimits, [key]: event.currentTarget.value } })
                  }
                />
              )}
            </Field>
          ))}
        </div>
      </div>
    </>
  );
}
