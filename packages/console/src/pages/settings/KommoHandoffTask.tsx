// The Kommo task a request for a person creates (docs/kommo.md#a-visitor-asks-for-a-person): who gets it when the
// conversation has no lead in Kommo, and how many minutes after the visitor asked it is due.
import {
  type KommoCatalog,
  type KommoSettings,
  type KommoSettingsUpdate,
  kommoSettingsUpdate,
} from '@closer/contract';
import { useState } from 'preact/hooks';
import { t } from '../../i18n/messages.ts';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';

/** Whole minutes from 1 to 1440 (the contract's bounds), or null. */
const minutesOf = (value: string): number | null => {
  const minutes = Number(value.trim());
  return value.trim() !== '' && Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? minutes : null;
};

export function KommoHandoffTask({
  settings,
  users,
  onSave,
}: {
  settings: KommoSettings;
  users: KommoCatalog['users'];
  onSave: (update: KommoSettingsUpdate) => Promise<void>;
}) {
  const [userId, setUserId] = useState(String(settings.handoffTaskUserId ?? ''));
  const [due, setDue] = useState(String(settings.handoffTaskDueMinutes));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const minutes = minutesOf(due);
    if (minutes === null) return setErrors({ handoffTaskDueMinutes: t('kommoTask.dueInvalid') });
    const checked = validate(kommoSettingsUpdate, {
      handoffTaskUserId: userId ? Number(userId) : null,
      handoffTaskDueMinutes: minutes,
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

  return (
    <form noValidate onSubmit={save}>
      <p class="muted">{t('kommoTask.intro')}</p>
      <div class="grid-2">
        <Field label={t('kommoTask.user')} error={errors.handoffTaskUserId}>
          {(control) => (
            <select {...control} value={userId} onChange={(event) => setUserId(event.currentTarget.value)}>
              <option value="">{t('kommoTask.defaultUser')}</option>
              {users.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('kommoTask.due')} hint={t('kommoTask.dueHint')} error={errors.handoffTaskDueMinutes}>
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={1440}
              step={1}
              value={due}
              onInput={(event) => setDue(event.currentTarget.value)}
            />
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
