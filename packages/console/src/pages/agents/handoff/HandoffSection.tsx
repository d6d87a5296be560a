// Handoff to a person (docs/handoff.md): on or off, when people answer (business hours), how long a request may
// wait unclaimed and what the agent does then. Fields of `handoff` this form does not know are kept as they are.
import type { AgentHandoff, BusinessHours } from '@closer/contract';
import { useRef, useState } from 'preact/hooks';
import { t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import type { SectionProps } from '../AgentEditor.tsx';
import { HoursEditor } from './HoursEditor.tsx';
import { defaultHours, timeoutParts, timeoutSeconds } from './hours.ts';
import './handoff.css';

export function HandoffSection({ draft, set, errors }: SectionProps) {
  const handoff = draft.handoff;
  const setHandoff = (patch: Partial<AgentHandoff>) => set({ handoff: { ...handoff, ...patch } });
  // Switching to "always" and back brings the hours typed before back.
  const lastHours = useRef<BusinessHours | null>(handoff.hours);
  const chooseHours = (on: boolean) => {
    if (handoff.hours) lastHours.current = handoff.hours;
    setHandoff({ hours: on ? (lastHours.current ?? defaultHours()) : null });
  };
  return (
    <>
      <div class="card">
        <h2>{t('handoff.title')}</h2>
        <label class="check">
          <input
            type="checkbox"
            checked={handoff.enabled}
            onChange={(event) => setHandoff({ enabled: event.currentTarget.checked })}
          />
          {t('handoff.enabled')}
        </label>
        <p class="field-hint">{t('handoff.enabledHint')}</p>
      </div>
      <div class="card">
        <fieldset>
          <legend>{t('handoff.when')}</legend>
          <label class="check">
            <input
              type="radio"
              name="handoff-hours"
              checked={!handoff.hours}
              onChange={() => chooseHours(false)}
            />
            {t('handoff.always')}
          </label>
          <label class="check">
            <input
              type="radio"
              name="handoff-hours"
              checked={!!handoff.hours}
              onChange={() => chooseHours(true)}
            />
            {t('handoff.duringHours')}
          </label>
        </fieldset>
        {errors['handoff.hours'] && <p class="field-error">{errors['handoff.hours']}</p>}
        {handoff.hours && (
          <HoursEditor hours={handoff.hours} onChange={(hours) => setHandoff({ hours })} errors={errors} />
        )}
      </div>
      <UnansweredCard handoff={handoff} setHandoff={setHandoff} errors={errors} />
    </>
  );
}

function UnansweredCard({
  handoff,
  setHandoff,
  errors,
}: {
  handoff: AgentHandoff;
  setHandoff: (patch: Partial<AgentHandoff>) => void;
  errors: SectionProps['errors'];
}) {
  const [timeout, setTimeoutText] = useState(() => timeoutParts(handoff.pickupTimeoutSeconds));
  const changeTimeout = (next: typeof timeout) => {
    setTimeoutText(next);
    setHandoff({ pickupTimeoutSeconds: timeoutSeconds(next.value, next.unit) });
  };
  return (
    <div class="card">
      <h2>{t('handoff.unanswered')}</h2>
      <div class="grid-2">
        <Field
          label={t('handoff.timeout')}
          hint={t('handoff.timeoutHint')}
          error={errors['handoff.pickupTimeoutSeconds']}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={0}
              value={timeout.value}
              onInput={(event) => changeTimeout({ ...timeout, value: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label={t('handoff.timeoutUnit')}>
          {(control) => (
            <select
              {...control}
              value={timeout.unit}
              onChange={(event) =>
                changeTimeout({ ...timeout, unit: event.currentTarget.value as typeof timeout.unit })
              }
            >
              <option value="minutes">{t('handoff.minutes')}</option>
              <option value="seconds">{t('handoff.seconds')}</option>
            </select>
          )}
        </Field>
      </div>
      <fieldset>
        <legend>{t('handoff.then')}</legend>
        {(['resume', 'silent'] as const).map((choice) => (
          <label class="check" key={choice}>
            <input
              type="radio"
              name="handoff-unanswered"
              checked={handoff.whenUnanswered === choice}
              onChange={() => setHandoff({ whenUnanswered: choice })}
            />
            {t(choice === 'resume' ? 'handoff.resume' : 'handoff.silent')}
          </label>
        ))}
      </fieldset>
      {errors['handoff.whenUnanswered'] && <p class="field-error">{errors['handoff.whenUnanswered']}</p>}
    </div>
  );
}
