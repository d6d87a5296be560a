// Lead capture: on or off, which fields (and which are required), the consent text, when the form shows.
import { type LeadField, leadField } from '@closer/contract';
import { type MessageKey, t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import type { SectionProps } from '../AgentEditor.tsx';

const allFields = leadField.options as readonly LeadField[];

export function LeadsSection({ draft, set, errors }: SectionProps) {
  const capture = draft.leadCapture;
  const setCapture = (patch: Partial<typeof capture>) => set({ leadCapture: { ...capture, ...patch } });
  const chosen = (field: LeadField) => capture.fields.find((entry) => entry.field === field);
  const toggle = (field: LeadField, on: boolean) =>
    setCapture({
      fields: on
        ? allFields.flatMap((name) =>
            name === field
              ? [{ field, required: false }]
              : capture.fields.filter((entry) => entry.field === name),
          )
        : capture.fields.filter((entry) => entry.field !== field),
    });
  const require = (field: LeadField, required: boolean) =>
    setCapture({
      fields: capture.fields.map((entry) => (entry.field === field ? { ...entry, required } : entry)),
    });
  return (
    <div class="card">
      <h2>{t('agent.tab.leads')}</h2>
      <label class="check">
        <input
          type="checkbox"
          checked={capture.enabled}
          onChange={(event) => setCapture({ enabled: event.currentTarget.checked })}
        />
        {t('agent.leadEnabled')}
      </label>
      <fieldset disabled={!capture.enabled}>
        <legend>{t('agent.leadFields')}</legend>
        <table class="table">
          <caption class="visually-hidden">{t('agent.leadFields')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('agent.leadField')}</th>
              <th scope="col">{t('agent.leadAsk')}</th>
              <th scope="col">{t('agent.leadRequired')}</th>
            </tr>
          </thead>
          <tbody>
            {allFields.map((field) => {
              const entry = chosen(field);
              const name = t(`lead.${field}` as MessageKey);
              return (
                <tr key={field}>
                  <th scope="row">{name}</th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('agent.leadAskField', { field: name })}
                      checked={entry !== undefined}
                      onChange={(event) => toggle(field, event.currentTarget.checked)}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('agent.leadRequireField', { field: name })}
                      disabled={entry === undefined}
                      checked={entry?.required ?? false}
                      onChange={(event) => require(field, event.currentTarget.checked)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {errors['leadCapture.fields'] && <p class="field-error">{errors['leadCapture.fields']}</p>}
        <Field
          label={t('agent.consentText')}
          hint={t('agent.consentHint')}
          error={errors['leadCapture.consentText']}
        >
          {(control) => (
            <textarea
              {...control}
              rows={3}
              value={capture.consentText}
              onInput={(event) => setCapture({ consentText: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field
          label={t('agent.formAfter')}
          hint={t('agent.formAfterHint')}
          error={errors['leadCapture.formAfterMessages']}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={0}
              max={50}
              value={capture.formAfterMessages}
              onInput={(event) => setCapture({ formAfterMessages: event.currentTarget.value })}
            />
          )}
        </Field>
      </fieldset>
    </div>
  );
}
