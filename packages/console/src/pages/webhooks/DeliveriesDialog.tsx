// An endpoint's delivery log: each event sent, its status and last attempt (status code, latency, the start of
// the answer), and a replay with the same webhook-id.
import type { WebhookDelivery, WebhookEndpoint } from '@closer/contract';
import { api } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { errorMessage } from '../../ui/errors.ts';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { Table } from '../../ui/Table.tsx';
import { toast } from '../../ui/Toast.tsx';

export function DeliveriesDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const deliveries = useLoad(
    async () => (await api().webhooks.deliveries.list(endpoint.id, { limit: 50 })).data,
    [endpoint.id],
  );
  const replay = async (delivery: WebhookDelivery) => {
    try {
      await api().webhooks.deliveries.replay(endpoint.id, delivery.id);
      toast(t('webhooks.replayed'));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    deliveries.reload();
  };
  return (
    <Dialog open title={t('webhooks.deliveriesOf', { url: endpoint.url })} onClose={onClose}>
      <Loaded load={deliveries}>
        {(list) =>
          list.length === 0 ? (
            <Empty title={t('webhooks.noDeliveries')} />
          ) : (
            <Table
              caption={t('webhooks.deliveries')}
              rows={list}
              rowKey={(d) => d.id}
              columns={[
                { header: t('webhooks.event'), cell: (d) => <code>{d.eventType}</code> },
                { header: t('webhooks.sent'), cell: (d) => formatDateTime(d.createdAt) },
                {
                  header: t('webhooks.status'),
                  cell: (d) => t(`delivery.${d.status}` as MessageKey),
                },
                { header: t('webhooks.attempts'), cell: (d) => d.attempts, numeric: true },
                { header: t('webhooks.lastAttempt'), cell: (d) => <LastAttempt delivery={d} /> },
                {
                  header: t('webhooks.actions'),
                  cell: (d) => (
                    <button type="button" class="button" onClick={() => void replay(d)}>
                      {t('webhooks.replay')}
                    </button>
                  ),
                },
              ]}
            />
          )
        }
      </Loaded>
      <div class="actions">
        <button type="button" class="button button-primary" onClick={onClose}>
          {t('webhooks.close')}
        </button>
      </div>
    </Dialog>
  );
}

function LastAttempt({ delivery }: { delivery: WebhookDelivery }) {
  const last = delivery.recentAttempts[0];
  if (!last) return null;
  return (
    <>
      <span>
        {last.statusCode ?? t('webhooks.noAnswer')} · {last.latencyMs} ms
      </span>
      {last.error && <div class="muted">{last.error}</div>}
      {last.responseExcerpt && (
        <pre class="muted">
          <code>{last.responseExcerpt.slice(0, 200)}</code>
        </pre>
      )}
    </>
  );
}
