// Secret keys for backend code: a new key's secret is shown once (then only its prefix), revoking is at once.
import { type ApiKey, type ApiKeyCreated, apiKeyCreate } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { SecretOnce } from '../../ui/SecretOnce.tsx';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { Table } from '../../ui/Table.tsx';
import { toast } from '../../ui/Toast.tsx';

export function ApiKeysSection() {
  const keys = useLoad(async () => {
    const all: ApiKey[] = [];
    for await (const key of api().organizations.apiKeys.list({ limit: 100 })) all.push(key);
    return all;
  }, [currentOrgId.value]);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = async () => {
    const key = revoking!;
    setRevoking(null);
    try {
      await api().organizations.apiKeys.revoke(key.id);
      toast(t('keys.revoked', { name: key.name }));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    keys.reload();
  };
  return (
    <>
      <NewKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      <div class="card">
        <h2>{t('keys.title')}</h2>
        <Loaded load={keys}>
          {(list) =>
            list.length === 0 ? (
              <Empty title={t('keys.empty')} />
            ) : (
              <Table
                caption={t('keys.title')}
                rows={list}
                rowKey={(key) => key.id}
                columns={[
                  { header: t('keys.name'), cell: (key) => key.name },
                  { header: t('keys.prefix'), cell: (key) => <code>{key.prefix}…</code> },
                  { header: t('keys.created'), cell: (key) => formatDateTime(key.createdAt) },
                  {
                    header: t('keys.lastUsed'),
                    cell: (key) => (key.lastUsedAt ? formatDateTime(key.lastUsedAt) : t('keys.never')),
                  },
                  {
                    header: t('keys.status'),
                    cell: (key) =>
                      key.revokedAt ? (
                        <span class="badge badge-paused">
                          {t('keys.revokedOn', { date: formatDateTime(key.revokedAt) })}
                        </span>
                      ) : (
                        <button
                          type="button"
                          class="button button-danger"
                          aria-label={t('keys.revokeNamed', { name: key.name })}
                          onClick={() => setRevoking(key)}
                        >
                          {t('settings.revoke')}
                        </button>
                      ),
                  },
                ]}
              />
            )
          }
        </Loaded>
      </div>
      <SecretOnce
        secret={created?.secret ?? null}
        title={t('keys.createdTitle')}
        warning={t('keys.createdWarning')}
        storedLabel={t('keys.stored')}
        testId="new-secret-key"
        onClose={() => setCreated(null)}
      />
      <ConfirmDialog
        open={revoking !== null}
        title={t('keys.revokeTitle')}
        message={t('keys.revokeWarning', { name: revoking?.name ?? '' })}
        confirmLabel={t('settings.revoke')}
        onConfirm={() => void revoke()}
        onClose={() => setRevoking(null)}
      />
    </>
  );
}

function NewKeyForm({ onCreated }: { onCreated: (key: ApiKeyCreated) => void }) {
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(apiKeyCreate, { name });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      onCreated(await api().organizations.apiKeys.create(checked.data));
      setName('');
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('keys.new')}</h2>
      <p class="muted">{t('keys.hint')}</p>
      <form noValidate onSubmit={submit}>
        <Field label={t('keys.name')} hint={t('keys.nameHint')} error={errors.name}>
          {(control) => (
            <input {...control} value={name} onInput={(event) => setName(event.currentTarget.value)} />
          )}
        </Field>
        <FormError message={failure} />
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('keys.create')}
        </button>
      </form>
    </div>
  );
}
