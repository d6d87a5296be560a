// The Kommo CRM connection: connect through Kommo's OAuth popup, choose pipeline, stage, responsible user, tags
// and field mapping, the task for a request for a person, see the webhook and the last sync, disconnect.
import type { KommoCatalog, KommoConnection, KommoSettingsUpdate } from '@closer/contract';
import { ApiError } from '@closer/sdk';
import { useEffect, useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { routerBase } from '../../routerBase.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { errorMessage } from '../../ui/errors.ts';
import { ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';
import { KommoChatSection } from './KommoChatSection.tsx';
import { KommoHandoffTask } from './KommoHandoffTask.tsx';
import { KommoMapping } from './KommoMapping.tsx';
import { connectInPopup, type KommoOutcome, takeReturnOutcome } from './kommoPopup.ts';

export function KommoSection() {
  const connection = useLoad(() => api().kommo.retrieve(), [currentOrgId.value]);
  useEffect(() => {
    const outcome = takeReturnOutcome();
    if (outcome) announce(outcome);
  }, []);
  if (
    connection.status === 'error' &&
    connection.error instanceof ApiError &&
    connection.error.status === 503
  )
    return (
      <div class="card">
        <h2>{t('kommo.title')}</h2>
        <p>{t('kommo.notConfigured')}</p>
        <p class="muted">{connection.error.message}</p>
      </div>
    );
  if (connection.status === 'error' && !connection.data)
    return <ErrorState error={connection.error} onRetry={connection.reload} />;
  if (!connection.data) return <Loading />;
  return <KommoConnectionView connection={connection.data} reload={connection.reload} />;
}

function announce(outcome: KommoOutcome) {
  if (outcome.result === 'connected') toast(t('kommo.connected'));
  else toast(t('kommo.connectFailed', { message: outcome.message ?? '' }), 'error');
}

const statusKey: Record<KommoConnection['status'], MessageKey> = {
  not_connected: 'kommo.status.not_connected',
  connected: 'kommo.status.connected',
  reauth_required: 'kommo.status.reauth_required',
  disconnected: 'kommo.status.disconnected',
};

function KommoConnectionView({ connection, reload }: { connection: KommoConnection; reload: () => void }) {
  const [busy, setBusy] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const connected = connection.status === 'connected';
  const connect = async () => {
    setBusy(true);
    try {
      const returnUrl = new URL(`${routerBase}/settings?tab=kommo`, location.origin).href;
      const { url } = await api().kommo.startOauth({ returnUrl });
      const outcome = await connectInPopup(url);
      if (outcome) announce(outcome);
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
      reload();
    }
  };
  const disconnect = async () => {
    setDisconnecting(false);
    try {
      await api().kommo.disconnect();
      toast(t('kommo.disconnected'));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    reload();
  };
  return (
    <>
      <div class="card">
        <h2>{t('kommo.title')}</h2>
        <p>
          <span class={connected ? 'badge' : 'badge badge-paused'} data-testid="kommo-status">
            {t(statusKey[connection.status])}
          </span>{' '}
          {connection.subdomain && <strong>{connection.subdomain}.kommo.com</strong>}
        </p>
        {connection.lastError && (
          <p class="form-error">{t('kommo.lastError', { message: connection.lastError })}</p>
        )}
        {connection.lastSyncAt && (
          <p class="muted">{t('kommo.lastSync', { date: formatDateTime(connection.lastSyncAt) })}</p>
        )}
        <div class="actions">
          {!connected && (
            <button
              type="button"
              class="button button-primary"
              disabled={busy}
              onClick={() => void connect()}
            >
              {t(connection.status === 'reauth_required' ? 'kommo.reconnect' : 'kommo.connect')}
            </button>
          )}
          {connected && (
            <button type="button" class="button button-danger" onClick={() => setDisconnecting(true)}>
              {t('kommo.disconnect')}
            </button>
          )}
        </div>
      </div>
      {connected && <Webhook connection={connection} />}
      {connected && <Mapping connection={connection} onSaved={reload} />}
      {connected && <KommoChatSection />}
      <ConfirmDialog
        open={disconnecting}
        title={t('kommo.disconnect')}
        message={t('kommo.disconnectWarning')}
        confirmLabel={t('kommo.disconnect')}
        onConfirm={() => void disconnect()}
        onClose={() => setDisconnecting(false)}
      />
    </>
  );
}

function Webhook({ connection }: { connection: KommoConnection }) {
  return (
    <div class="card">
      <h2>{t('kommo.webhook')}</h2>
      <p>{t(connection.webhookRegistered ? 'kommo.webhookRegistered' : 'kommo.webhookManual')}</p>
      {connection.webhookUrl && (
        <>
          <pre>
            <code>{connection.webhookUrl}</code>
          </pre>
          <CopyButton text={connection.webhookUrl} />
        </>
      )}
    </div>
  );
}

function Mapping({ connection, onSaved }: { connection: KommoConnection; onSaved: () => void }) {
  const catalog = useLoad<KommoCatalog>(() => api().kommo.pipelines(), [currentOrgId.value]);
  const [syncing, setSyncing] = useState(false);
  const sync = async () => {
    setSyncing(true);
    try {
      await api().kommo.sync();
      catalog.reload();
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setSyncing(false);
    }
  };
  const save = async (update: KommoSettingsUpdate) => {
    await api().kommo.updateSettings(update);
    toast(t('form.saved'));
    onSaved();
  };
  return (
    <>
      <div class="card">
        <h2>{t('kommo.mapping')}</h2>
        {catalog.data ? (
          <KommoMapping settings={connection.settings} catalog={catalog.data} onSave={save} />
        ) : catalog.status === 'error' ? (
          <ErrorState error={catalog.error} onRetry={catalog.reload} />
        ) : (
          <Loading />
        )}
        <button type="button" class="button" disabled={syncing} onClick={() => void sync()}>
          {syncing ? t('kommo.syncing') : t('kommo.sync')}
        </button>
      </div>
      {catalog.data && (
        <div class="card" data-testid="kommo-handoff-task">
          <h2>{t('kommoTask.title')}</h2>
          <KommoHandoffTask settings={connection.settings} users={catalog.data.users} onSave={save} />
        </div>
      )}
    </>
  );
}
