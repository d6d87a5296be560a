// Where captured leads go in Kommo: pipeline, stage, responsible user, tags, and the custom fields for company
// and need, chosen from the account's synced catalogue and checked with the contract before saving.
import {
  type KommoCatalog,
  type KommoFieldTarget,
  type KommoSettings,
  type KommoSettingsUpdate,
  kommoSettingsUpdate,
} from '@closer/contract';
import { useState } from 'preact/hooks';
import { t } from '../../i18n/messages.ts';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';

const TEXT_TYPES = ['text', 'textarea', 'streetaddress'];
const targetValue = (target: KommoFieldTarget | null) => (target ? `${target.entity}:${target.fieldId}` : '');
const targetOf = (value: string): KommoFieldTarget | null => {
  const [entity, id] = value.split(':');
  return entity === 'lead' || entity === 'contact' ? { entity, fieldId: Number(id) } : null;
};

export function KommoMapping({
  settings,
  catalog,
  onSave,
}: {
  settings: KommoSettings;
  catalog: KommoCatalog;
  onSave: (update: KommoSettingsUpdate) => Promise<void>;
}) {
  const firstPipeline = catalog.pipelines.find((p) => p.isMain) ?? catalog.pipelines[0];
  const [pipelineId, setPipelineId] = useState(String(settings.pipelineId ?? firstPipeline?.id ?? ''));
  const [statusId, setStatusId] = useState(String(settings.statusId ?? ''));
  const [userId, setUserId] = useState(String(settings.responsibleUserId ?? ''));
  const [tags, setTags] = useState(settings.tags.join(', '));
  const [company, setCompany] = useState(targetValue(settings.fieldMap.company));
  const [need, setNeed] = useState(targetValue(settings.fieldMap.need));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pipeline = catalog.pipelines.find((p) => String(p.id) === pipelineId);
  const textFields = catalog.customFields.filter((field) => TEXT_TYPES.includes(field.type));

  const save = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(kommoSettingsUpdate, {
      ...(pipelineId ? { pipelineId: Number(pipelineId) } : {}),
      ...(statusId ? { statusId: Number(statusId) } : {}),
      responsibleUserId: userId ? Number(userId) : null,
      tags: tags
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      fieldMap: { company: targetOf(company), need: targetOf(need) },
    });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      await onSave(checked.data);
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const fieldOptions = (
    <>
      <option value="">{t('kommo.noField')}</option>
      {textFields.map((field) => (
        <option key={`${field.entity}:${field.id}`} value={`${field.entity}:${field.id}`}>
          {t(field.entity === 'lead' ? 'kommo.leadField' : 'kommo.contactField', { name: field.name })}
        </option>
      ))}
    </>
  );
  return (
    <form noValidate onSubmit={save}>
      <div class="grid-2">
        <Field label={t('kommo.pipeline')} error={errors.pipelineId}>
          {(control) => (
            <select
              {...control}
              value={pipelineId}
              onChange={(event) => {
                setPipelineId(event.currentTarget.value);
                setStatusId('');
              }}
            >
              {catalog.pipelines.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('kommo.stage')} error={errors.statusId}>
          {(control) => (
            <select
              {...control}
              value={statusId}
              onChange={(event) => setStatusId(event.currentTarget.value)}
            >
              <option value="">{t('kommo.firstStage')}</option>
              {(pipeline?.statuses ?? []).map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('kommo.responsible')} error={errors.responsibleUserId}>
          {(control) => (
            <select {...control} value={userId} onChange={(event) => setUserId(event.currentTarget.value)}>
              <option value="">{t('kommo.anyone')}</option>
              {catalog.users.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('kommo.tags')} hint={t('kommo.tagsHint')} error={errors.tags ?? errors['tags.0']}>
          {(control) => (
            <input {...control} value={tags} onInput={(event) => setTags(event.currentTarget.value)} />
          )}
        </Field>
        <Field
          label={t('kommo.companyField')}
          error={errors['fieldMap.company.fieldId'] ?? errors['fieldMap.company']}
        >
          {(control) => (
            <select {...control} value={company} onChange={(event) => setCompany(event.currentTarget.value)}>
              {fieldOptions}
            </select>
          )}
        </Field>
        <Field
          label={t('kommo.needField')}
          error={errors['fieldMap.need.fieldId'] ?? errors['fieldMap.need']}
        >
          {(control) => (
            <select {...control} value={need} onChange={(event) => setNeed(event.currentTarget.value)}>
              {fieldOptions}
            </select>
          )}
        </Field>
      </div>
      <FormError message={failure} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('action.save')}
        </button>
      </div>
    </form>
  );
}
