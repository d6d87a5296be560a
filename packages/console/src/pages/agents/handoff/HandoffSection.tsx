// Handoff to a person (docs/handoff.md): on or off, when people answer (business hours), how long a request may
// wait unclaimed and what the agent does then, and the agent's own rules for handing over. Fields of `handoff` this form does not know are kept as they are.
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
      <RulesCard handoff={handoff} setHandoff={setHandoff} errors={errors} />
      <UnansweredCard handoff={handoff} setHandoff={setHandoff} errors={errors} />
    </>
  );
}

type CardProps = {
  handoff: AgentHandoff;
  setHandoff: (patch: Partial<AgentHandoff>) => void;
  errors: SectionProps['errors'];
};

/** The agent's own rules for handing over (docs/handoff.md#the-agents-rules). */
function RulesCard({ handoff, setHandoff, errors }: CardProps) {
  const [replies, setReplies] = useState(() => handoff.afterUnansweredReplies?.toString() ?? '');
  const changeReplies = (text: string) => {
    setReplies(text);
    const n = Number(text);
    setHandoff({ afterUnansweredReplies: text.trim() === '' ? null : Number.isFinite(n) ? n : Number.NaN });
  };
  return (
    <div class="card">
      <h2>{t('handoff.rules')}</h2>
      <label class="check">
        <input
          type="checkbox"
          checked={handoff.afterLeadCaptured}
          onChange={(event) => setHandoff({ afterLeadCaptured: event.currentTarget.checked })}
        />
        {t('handoff.afterLead')}
      </label>
      <Field
        label={t('handoff.afterReplies')}
        hint={t('handoff.afterRepliesHint')}
        error={errors['handoff.afterUnansweredReplies']}
      >
        {(control) => (
          <input
            {...control}
            type="number"
            inputMode="numeric"
            min={1}
            max={20}
            value={replies}
            onInput={(event) => changeReplies(event.currentTarget.value)}
          />
        )}
      </Field>
    </div>
  );
}

function UnansweredCard({ handoff, setHandoff, errors }: CardProps) {
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
