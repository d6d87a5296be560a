// A lead's details and CRM state, with "send to Kommo again" where a sync failed or never happened.
import type { Lead } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { errorMessage } from '../../ui/errors.ts';
import { FormError } from '../../ui/Field.tsx';
import { toast } from '../../ui/Toast.tsx';
import { LeadQualification } from '../qualification/LeadQualification.tsx';

/** Whether a lead may be sent again: never reached Kommo, or failed to. */
export const canRetrySync = (lead: Lead) => lead.crm.state === 'failed' || lead.crm.state === 'not_connected';

export function CrmState({ lead, onChange }: { lead: Lead; onChange: (lead: Lead) => void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const retry = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const updated = await api().leads.sync(lead.id);
      toast(t('crm.retried'));
      onChange(updated);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="crm-state">
      <span class={`badge crm-${lead.crm.state}`}>{t(`crm.${lead.crm.state}`)}</span>
      {lead.crm.stage?.name && <div class="muted">{t('crm.stage', { stage: lead.crm.stage.name })}</div>}
      {lead.crm.error && <div class="crm-error">{lead.crm.error}</div>}
      {canRetrySync(lead) && (
        <button type="button" class="button button-small" disabled={busy} onClick={() => void retry()}>
          {busy ? t('crm.retrying') : t('crm.retry')}
        </button>
      )}
      <FormError message={failure} />
    </div>
  );
}

export function LeadSummary({ lead, onChange }: { lead: Lead; onChange: () => void }) {
  const rows: [string, string | null][] = [
    [t('leads.name'), lead.name],
    [t('transcript.email'), lead.email],
    [t('transcript.phone'), lead.phone],
    [t('lead.company'), lead.company],
    [t('lead.need'), lead.need],
    [t('lead.status'), t(`lead.status.${lead.status}`)],
  ];
  return (
    <>
      <dl class="details">
        {rows
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      <LeadQualification lead={lead} />
      <h3>{t('lead.crm')}</h3>
      <CrmState lead={lead} onChange={onChange} />
    </>
  );
}
