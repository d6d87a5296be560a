// Settings → Webhooks: the organisation's signed webhook endpoints. A secret is shown once (at creation and on
// rotation); an endpoint is turned on or off, its delivery log read and a delivery replayed (docs/webhooks.md).
import {
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEventType,
  webhookEndpointCreate,
  webhookEventTypes,
} from '@closer/contract';
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
import { DeliveriesDialog } from './DeliveriesDialog.tsx';

export function WebhooksSection() {
  const endpoints = useLoad(async () => (await api().webhooks.list()).data, [currentOrgId.value]);
  const [secret, setSecret] = useState<WebhookEndpointWithSecret | null>(null);
  const [rotating, setRotating] = useState<WebhookEndpoint | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [viewing, setViewing] = useState<WebhookEndpoint | null>(null);
  const act = async (work: () => Promise<unknown>, done?: string) => {
    try {
      await work();
      if (done) toast(done);
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    endpoints.reload();
  };
  return (
    <>
      <NewEndpointForm
        onCreated={(created) => {
          setSecret(created);
          endpoints.reload();
        }}
      />
      <div class="card">
        <h2>{t('webhooks.title')}</h2>
        <Loaded load={endpoints}>
          {(list) =>
            list.length === 0 ? (
              <Empty title={t('webhooks.empty')} />
            ) : (
              <Table
                caption={t('webhooks.title')}
                rows={list}
                rowKey={(endpoint) => endpoint.id}
                columns={[
                  {
                    header: t('webhooks.url'),
                    cell: (e) => (
                      <>
                        <code>{e.url}</code>
                        {e.description && <div class="muted">{e.description}</div>}
                      </>
                    ),
                  },
                  { header: t('webhooks.events'), cell: (e) => e.eventTypes.join(', ') },
                  { header: t('webhooks.status'), cell: (e) => <EndpointStatus endpoint={e} /> },
                  {
                    header: t('webhooks.actions'),
                    cell: (e) => (
                      <div class="actions">
                        <button
                          type="button"
                          class="button"
                          onClick={() => void act(() => api().webhooks.update(e.id, { enabled: !e.enabled }))}
                        >
                          {e.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                        </button>
                        <button type="button" class="button" onClick={() => setViewing(e)}>
                          {t('webhooks.deliveries')}
                        </button>
                        <button type="button" class="button" onClick={() => setRotating(e)}>
                          {t('webhooks.rotate')}
                        </button>
                        <button type="button" class="button button-danger" onClick={() => setDeleting(e)}>
                          {t('webhooks.delete')}
                        </button>
                      </div>
                    ),
                  },
                ]}
              />
            )
          }
        </Loaded>
      </div>
      <SecretOnce
        secret={secret?.secret ?? null}
        title={t('webhooks.secretTitle')}
        warning={t('webhooks.secretWarning')}
        storedLabel={t('webhooks.stored')}
        testId="webhook-secret"
        onClose={() => setSecret(null)}
      />
      <ConfirmDialog
        open={rotating !== null}
        title={t('webhooks.rotateTitle')}
        message={t('webhooks.rotateWarning')}
        confirmLabel={t('webhooks.rotate')}
        onConfirm={() => {
          const endpoint = rotating!;
          setRotating(null);
          void act(async () => setSecret(await api().webhooks.rotateSecret(endpoint.id)));
        }}
        onClose={() => setRotating(null)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t('webhooks.deleteTitle')}
        message={t('webhooks.deleteWarning', { url: deleting?.url ?? '' })}
        confirmLabel={t('webhooks.delete')}
        onConfirm={() => {
          const endpoint = deleting!;
          setDeleting(null);
          void act(() => api().webhooks.delete(endpoint.id), t('webhooks.deleted'));
        }}
        onClose={() => setDeleting(null)}
      />
      {viewing && <DeliveriesDialog endpoint={viewing} onClose={() => setViewing(null)} />}
    </>
  );
}

function EndpointStatus({ endpoint }: { endpoint: WebhookEndpoint }) {
  return (
    <>
      <span class={endpoint.enabled ? 'badge' : 'badge badge-paused'}>
        {endpoint.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
      </span>
      {endpoint.disabledReason && <div class="muted">{endpoint.disabledReason}</div>}
      {endpoint.previousSecretExpiresAt && (
        <div class="muted">
          {t('webhooks.previousUntil', { date: formatDateTime(endpoint.previousSecretExpiresAt) })}
        </div>
      )}
    </>
  );
}

function NewEndpointForm({ onCreated }: { onCreated: (endpoint: WebhookEndpointWithSecret) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['conversation.started', 'lead.created']);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (type: WebhookEventType, on: boolean) =>
    setEvents(on ? [...events, type] : events.filter((e) => e !== type));
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(webhookEndpointCreate, { url, description, eventTypes: events });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      onCreated(await api().webhooks.create(checked.data));
      setUrl('');
      setDescription('');
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('webhooks.new')}</h2>
      <p class="muted">{t('webhooks.hint')}</p>
      <form noValidate onSubmit={submit}>
        <Field label={t('webhooks.url')} error={errors.url}>
          {(control) => (
            <input
              {...control}
              type="url"
              placeholder="https://hooks.example.com/closer"
              value={url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t('webhooks.description')} error={errors.description}>
          {(control) => (
            <input {...control} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          )}
        </Field>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          {webhookEventTypes.map((type) => (
            <label class="check" key={type}>
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) => toggle(type, e.currentTarget.checked)}
              />
              <code>{type}</code>
              {type === 'message.created' && <span class="muted"> — {t('webhooks.messageHint')}</span>}
            </label>
          ))}
          {errors.eventTypes && <p class="field-error">{errors.eventTypes}</p>}
        </fieldset>
        <FormError message={failure} />
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('webhooks.create')}
        </button>
      </form>
    </div>
  );
}
