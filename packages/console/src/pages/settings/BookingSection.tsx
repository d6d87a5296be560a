// The meeting-booking provider (Cal.com): connect with an API key and an event type, see what is connected and
// the key's event types, replace or disconnect. The key is sent once and never read back.
import { type BookingConnection, bookingConnectionInput } from '@closer/contract';
import { NotFoundError } from '@closer/sdk';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';

export function BookingSection() {
  const connection = useLoad(
    () =>
      api()
        .booking.retrieve()
        .catch((error: unknown) => {
          if (error instanceof NotFoundError) return null;
          throw error;
        }),
    [currentOrgId.value],
  );
  if (connection.status === 'error' && connection.data === undefined)
    return <ErrorState error={connection.error} onRetry={connection.reload} />;
  if (connection.data === undefined) return <Loading />;
  return <BookingView connection={connection.data} reload={connection.reload} />;
}

function BookingView({ connection, reload }: { connection: BookingConnection | null; reload: () => void }) {
  const [form, setForm] = useState({
    apiKey: '',
    eventTypeId: String(connection?.eventTypeId ?? ''),
    apiUrl: '',
    bookerUrl: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const types = useLoad(
    () => (connection ? api().booking.eventTypes() : Promise.resolve(null)),
    [connection],
  );
  const set = (key: keyof typeof form) => (event: Event) =>
    setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value });

  const connect = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(bookingConnectionInput, {
      provider: 'calcom',
      apiKey: form.apiKey.trim(),
      eventTypeId: Number(form.eventTypeId),
      ...(form.apiUrl.trim() ? { apiUrl: form.apiUrl.trim() } : {}),
      ...(form.bookerUrl.trim() ? { bookerUrl: form.bookerUrl.trim() } : {}),
    });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      await api().booking.connect(checked.data);
      toast(t('booking.connected'));
      setForm({ ...form, apiKey: '' });
      reload();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="card">
      <h2>{t('booking.title')}</h2>
      <p class="muted">{t('booking.intro')}</p>
      <p role="status">
        {connection
          ? t('booking.connectedTo', {
              title: connection.eventTypeTitle ?? String(connection.eventTypeId),
              minutes: String(connection.lengthInMinutes ?? '?'),
              hint: connection.apiKeyHint,
            })
          : t('booking.notConnected')}
      </p>
      {types.data && types.data.data.length > 0 && (
        <>
          <h3>{t('booking.eventTypes')}</h3>
          <ul>
            {types.data.data.map((type) => (
              <li key={type.id}>
                <code>{type.id}</code> {type.title} ({type.lengthInMinutes} min)
              </li>
            ))}
          </ul>
        </>
      )}
      <form noValidate onSubmit={connect}>
        <Field label={t('booking.apiKey')} hint={t('booking.apiKeyHint')} error={errors.apiKey}>
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="off"
              value={form.apiKey}
              onInput={set('apiKey')}
            />
          )}
        </Field>
        <Field label={t('booking.eventTypeId')} hint={t('booking.eventTypeHint')} error={errors.eventTypeId}>
          {(control) => (
            <input {...control} inputMode="numeric" value={form.eventTypeId} onInput={set('eventTypeId')} />
          )}
        </Field>
        <Field label={t('booking.apiUrl')} error={errors.apiUrl}>
          {(control) => (
            <input
              {...control}
              type="url"
              placeholder="https://api.cal.com"
              value={form.apiUrl}
              onInput={set('apiUrl')}
            />
          )}
        </Field>
        <Field label={t('booking.bookerUrl')} error={errors.bookerUrl}>
          {(control) => (
            <input
              {...control}
              type="url"
              placeholder="https://cal.com"
              value={form.bookerUrl}
              onInput={set('bookerUrl')}
            />
          )}
        </Field>
        <FormError message={failure} />
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : connection ? t('booking.replace') : t('booking.connect')}
        </button>{' '}
        {connection && (
          <button type="button" class="button" onClick={() => setDisconnecting(true)}>
            {t('booking.disconnect')}
          </button>
        )}
      </form>
      <ConfirmDialog
        open={disconnecting}
        title={t('booking.disconnect')}
        message={t('booking.disconnectWarning')}
        confirmLabel={t('booking.disconnect')}
        onClose={() => setDisconnecting(false)}
        onConfirm={async () => {
          setDisconnecting(false);
          try {
            await api().booking.disconnect();
            toast(t('booking.disconnected'));
            reload();
          } catch (error) {
            toast(errorMessage(error), 'error');
          }
        }}
      />
    </div>
  );
}
