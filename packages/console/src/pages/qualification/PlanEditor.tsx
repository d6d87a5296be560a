// The agent's qualification plan: its questions (BANT presets or custom) with type and weight, the hot and warm
// thresholds, and what a hot lead does in Kommo; saved on its own (PUT /agents/:id/qualification).
import {
  QUALIFICATION_PRESETS,
  type QualificationCriterion,
  type QualificationPlan,
  type QualificationPreset,
} from '@closer/contract';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { errorMessage, type FieldErrors, serverFieldErrors } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { Loaded, useLoad } from '../../ui/states.tsx';
import './qualification.css';
import { toast } from '../../ui/Toast.tsx';

const TYPES = ['text', 'number', 'choice', 'yes_no'] as const;
const PRESETS = Object.keys(QUALIFICATION_PRESETS) as QualificationPreset[];

/** `label = points` per line ↔ options. */
const optionsText = (c: QualificationCriterion) =>
  c.options.map((o) => `${o.label} = ${o.points}`).join('\n');
const optionsFrom = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.lastIndexOf('=');
      const points = at === -1 ? Number.NaN : Number(line.slice(at + 1).trim());
      return {
        label: (at === -1 ? line : line.slice(0, at)).trim(),
        points: Number.isFinite(points) ? points : 0,
      };
    });
const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

export function PlanEditor({ agentId }: { agentId: string }) {
  const load = useLoad(() => api().agents.qualification.retrieve(agentId), [agentId]);
  return <Loaded load={load}>{(plan) => <PlanForm agentId={agentId} initial={plan} />}</Loaded>;
}

function PlanForm({ agentId, initial }: { agentId: string; initial: QualificationPlan }) {
  const [plan, setPlan] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<QualificationPlan>) => setPlan((p) => ({ ...p, ...patch }));
  const setCriterion = (index: number, patch: Partial<QualificationCriterion>) =>
    set({ criteria: plan.criteria.map((c, i) => (i === index ? { ...c, ...patch } : c)) });
  const custom = (): QualificationCriterion => ({
    ...QUALIFICATION_PRESETS.need,
    preset: null,
    key: `question_${plan.criteria.length + 1}`,
    question: '',
  });

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    try {
      setPlan(await api().agents.qualification.update(agentId, plan));
      setErrors({});
      toast(t('form.saved'));
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form noValidate onSubmit={save} aria-label={t('agent.tab.qualification')}>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={plan.enabled}
          onChange={(e) => set({ enabled: e.currentTarget.checked })}
        />
        {t('qualification.enabled')}
      </label>
      <p class="field-hint">{t('qualification.enabledHint')}</p>

      <h2>{t('qualification.criteria')}</h2>
      {plan.criteria.map((criterion, index) => (
        <fieldset class="card qualification-criterion" key={index}>
          <legend>{criterion.key}</legend>
          <CriterionFields
            criterion={criterion}
            errors={errors}
            at={`criteria.${index}`}
            set={(patch) => setCriterion(index, patch)}
          />
          <button
            type="button"
            class="button button-small"
            onClick={() => set({ criteria: plan.criteria.filter((_, i) => i !== index) })}
          >
            {t('qualification.remove', { key: criterion.key })}
          </button>
        </fieldset>
      ))}
      {errors.criteria && <p class="field-error">{errors.criteria}</p>}
      <div class="actions">
        {PRESETS.filter((p) => !plan.criteria.some((c) => c.key === p)).map((preset) => (
          <button
            type="button"
            class="button button-small"
            key={preset}
            onClick={() => set({ criteria: [...plan.criteria, QUALIFICATION_PRESETS[preset]] })}
          >
            {t('qualification.addPreset', { preset: t(`qualification.preset.${preset}`) })}
          </button>
        ))}
        <button
          type="button"
          class="button button-small"
          onClick={() => set({ criteria: [...plan.criteria, custom()] })}
        >
          {t('qualification.addCustom')}
        </button>
      </div>

      <h2>{t('qualification.thresholds')}</h2>
      <NumberField
        label={t('qualification.hot')}
        value={plan.thresholds.hot}
        error={errors['thresholds.hot']}
        onInput={(hot) => set({ thresholds: { ...plan.thresholds, hot: hot ?? 0 } })}
      />
      <NumberField
        label={t('qualification.warm')}
        value={plan.thresholds.warm}
        error={errors['thresholds.warm']}
        onInput={(warm) => set({ thresholds: { ...plan.thresholds, warm: warm ?? 0 } })}
      />

      <h2>{t('qualification.kommo')}</h2>
      <NumberField
        label={t('qualification.hotPipeline')}
        value={plan.kommo.hotPipelineId}
        error={errors['kommo.hotPipelineId']}
        onInput={(hotPipelineId) => set({ kommo: { ...plan.kommo, hotPipelineId } })}
      />
      <NumberField
        label={t('qualification.hotStatus')}
        value={plan.kommo.hotStatusId}
        error={errors['kommo.hotStatusId']}
        onInput={(hotStatusId) => set({ kommo: { ...plan.kommo, hotStatusId } })}
      />
      <Field label={t('qualification.hotTask')} error={errors['kommo.hotTaskText']}>
        {(control) => (
          <input
            {...control}
            value={plan.kommo.hotTaskText}
            onInput={(e) => set({ kommo: { ...plan.kommo, hotTaskText: e.currentTarget.value } })}
          />
        )}
      </Field>
      <NumberField
        label={t('qualification.hotTaskDue')}
        value={plan.kommo.hotTaskDueHours}
        error={errors['kommo.hotTaskDueHours']}
        onInput={(hours) => set({ kommo: { ...plan.kommo, hotTaskDueHours: hours ?? 1 } })}
      />

      <div class="save-bar">
        <button type="submit" class="button button-primary" disabled={saving}>
          {saving ? t('action.saving') : t('action.save')}
        </button>
        <FormError message={failure} inline />
      </div>
    </form>
  );
}

function CriterionFields({
  criterion,
  errors,
  at,
  set,
}: {
  criterion: QualificationCriterion;
  errors: FieldErrors;
  at: string;
  set: (patch: Partial<QualificationCriterion>) => void;
}) {
  return (
    <>
      <Field label={t('qualification.key')} error={errors[`${at}.key`]}>
        {(control) => (
          <input {...control} value={criterion.key} onInput={(e) => set({ key: e.currentTarget.value })} />
        )}
      </Field>
      <Field label={t('qualification.question')} error={errors[`${at}.question`]}>
        {(control) => (
          <input
            {...control}
            value={criterion.question}
            onInput={(e) => set({ question: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field label={t('qualification.type')} error={errors[`${at}.type`]}>
        {(control) => (
          <select
            {...control}
            value={criterion.type}
            onChange={(e) => set({ type: e.currentTarget.value as QualificationCriterion['type'] })}
          >
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`qualification.type.${type}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <NumberField
        label={t('qualification.weight')}
        value={criterion.weight}
        error={errors[`${at}.weight`]}
        onInput={(weight) => set({ weight: weight ?? 0 })}
      />
      {criterion.type === 'number' && (
        <NumberField
          label={t('qualification.minimum')}
          value={criterion.minimum}
          error={errors[`${at}.minimum`]}
          onInput={(minimum) => set({ minimum })}
        />
      )}
      {criterion.type === 'yes_no' && (
        <Field label={t('qualification.expected')}>
          {(control) => (
            <select
              {...control}
              value={criterion.expected ? 'yes' : 'no'}
              onChange={(e) => set({ expected: e.currentTarget.value === 'yes' })}
            >
              <option value="yes">{t('qualification.yes')}</option>
              <option value="no">{t('qualification.no')}</option>
            </select>
          )}
        </Field>
      )}
      {criterion.type === 'choice' && (
        <Field label={t('qualification.options')} error={errors[`${at}.options`]}>
          {(control) => (
            <textarea
              {...control}
              rows={4}
              value={optionsText(criterion)}
              onChange={(e) => set({ options: optionsFrom(e.currentTarget.value) })}
            />
          )}
        </Field>
      )}
      <NumberField
        label={t('qualification.kommoField')}
        value={criterion.kommoFieldId}
        error={errors[`${at}.kommoFieldId`]}
        onInput={(kommoFieldId) => set({ kommoFieldId })}
      />
    </>
  );
}

function NumberField(props: {
  label: string;
  value: number | null;
  error: string | undefined;
  onInput: (value: number | null) => void;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {(control) => (
        <input
          {...control}
          type="number"
          value={props.value ?? ''}
          onInput={(e) => props.onInput(numberOrNull(e.currentTarget.value))}
        />
      )}
    </Field>
  );
}
