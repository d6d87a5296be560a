// The organisation's name (owners and admins rename it) and its id (for support and the API's X-Organization-Id).
import { organizationUpdate } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { currentOrganization, reloadOrganizations } from '../../organizations.ts';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { toast } from '../../ui/Toast.tsx';

export function OrganizationSection() {
  const org = currentOrganization.value!;
  const canRename = org.role === 'owner' || org.role === 'admin';
  const [name, setName] = useState(org.name);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(organizationUpdate, { name });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      await api().organizations.update(checked.data);
      await reloadOrganizations(org.id);
      toast(t('form.saved'));
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('settings.tab.organization')}</h2>
      <form noValidate onSubmit={save}>
        <Field label={t('settings.orgName')} error={errors.name}>
          {(control) => (
            <input
              {...control}
              value={name}
              readOnly={!canRename}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          )}
        </Field>
        <p class="muted">
          {t('settings.orgId')} <code>{org.id}</code> · {t('settings.yourRole')}{' '}
          {t(`role.${org.role ?? 'member'}`)}
        </p>
        <FormError message={failure} />
        {canRename && (
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t('action.saving') : t('action.save')}
          </button>
        )}
      </form>
    </div>
  );
}
