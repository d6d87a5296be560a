// Leads: filter by agent, status, CRM state and period; each lead's CRM state and error, "send again" where a
// sync failed; CSV downloads of the period's leads and conversations.
import { type Lead, leadListQuery } from '@closer/contract';
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { agentName, useAgents } from '../../ui/agentNames.ts';
import { type FieldErrors, validate } from '../../ui/errors.ts';
import { Field } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { PeriodFields } from '../../ui/PeriodFields.tsx';
import { periodInstants } from '../../ui/period.ts';
import { Empty, ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { type Column, Table } from '../../ui/Table.tsx';
import { CsvExport } from './CsvExport.tsx';
import { CrmState } from './LeadSummary.tsx';
import '../../ui/listPages.css';
import '../conversations/conversations.css';

interface LeadFilterForm {
  agentId: string;
  status: '' | Lead['status'];
  crmState: '' | Lead['crm']['state'];
  from: string;
  to: string;
}

const noFilters: LeadFilterForm = { agentId: '', status: '', crmState: '', from: '', to: '' };
const draft = signal<LeadFilterForm>(noFilters);
const applied = signal<LeadFilterForm>(noFilters);

function leadQuery(form: LeadFilterForm) {
  return {
    ...(form.agentId ? { agentId: form.agentId } : {}),
    ...(form.status ? { status: form.status } : {}),
    ...(form.crmState ? { crmState: form.crmState } : {}),
    ...periodInstants(form),
  };
}

const statuses = ['new', 'in_progress', 'won', 'lost'] as const;
const crmStates = ['not_connected', 'pending', 'synced', 'failed'] as const;

export default function LeadsPage() {
  const agents = useAgents();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rows, setRows] = useState<Lead[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const list = useLoad(async () => {
    const page = await api().leads.list({ ...leadQuery(applied.value), limit: 25 });
    setRows(page.data);
    setCursor(page.nextCursor);
    return page;
  }, [currentOrgId.value, applied.value]);

  const apply = (event: Event) => {
    event.preventDefault();
    const checked = validate(leadListQuery, leadQuery(draft.value));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    applied.value = { ...draft.value };
  };
  const loadMore = async () => {
    if (!cursor || !rows) return;
    setMore({ busy: true });
    try {
      const page = await api().leads.list({ ...leadQuery(applied.value), limit: 25, cursor });
      setRows([...rows, ...page.data]);
      setCursor(page.nextCursor);
      setMore({ busy: false });
    } catch (error) {
      setMore({ busy: false, error });
    }
  };
  const replace = (lead: Lead) =>
    setRows((current) => current?.map((r) => (r.id === lead.id ? lead : r)) ?? null);

  const columns: Column<Lead>[] = [
    { header: t('leads.captured'), cell: (lead) => formatDateTime(lead.createdAt) },
    { header: t('leads.name'), cell: (lead) => lead.name ?? <span class="muted">{t('leads.noName')}</span> },
    {
      header: t('leads.contact'),
      cell: (lead) => (
        <>
          {lead.email && <div>{lead.email}</div>}
          {lead.phone && <div>{lead.phone}</div>}
          {lead.company && <div class="muted">{lead.company}</div>}
        </>
      ),
    },
    {
      header: t('leads.agent'),
      cell: (lead) => agentName(agents.data, lead.agentId, t('conversations.deletedAgent')),
    },
    { header: t('lead.status'), cell: (lead) => t(`lead.status.${lead.status}`) },
    { header: t('leads.crmState'), cell: (lead) => <CrmState lead={lead} onChange={replace} /> },
    {
      header: t('leads.conversation'),
      cell: (lead) =>
        lead.conversationId ? (
          <Link href={`/conversations/${lead.conversationId}`}>{t('leads.openConversation')}</Link>
        ) : (
          ''
        ),
    },
  ];
  const filtered = JSON.stringify(applied.value) !== JSON.stringify(noFilters);
  return (
    <>
      <PageHeader title={t('nav.leads')} />
      <form class="card filters" aria-label={t('filters.label')} noValidate onSubmit={apply}>
        <LeadFilterFields agents={agents.data ?? []} errors={errors} />
        <div class="actions">
          <button type="submit" class="button button-primary">
            {t('filters.apply')}
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              setErrors({});
              draft.value = noFilters;
              applied.value = noFilters;
            }}
          >
            {t('filters.reset')}
          </button>
        </div>
      </form>
      {list.status === 'error' && !rows ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !rows ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty title={t(filtered ? 'leads.noMatch' : 'leads.empty')}>
          {!filtered && <p>{t('leads.emptyHint')}</p>}
        </Empty>
      ) : (
        <>
          <div aria-busy={list.status === 'loading'}>
            <Table caption={t('nav.leads')} columns={columns} rows={rows} rowKey={(lead) => lead.id} />
          </div>
          {more.error !== undefined && <ErrorState error={more.error} />}
          {cursor && (
            <div class="actions load-more">
              <button type="button" class="button" disabled={more.busy} onClick={() => void loadMore()}>
                {more.busy ? t('state.loading') : t('filters.loadMore')}
              </button>
            </div>
          )}
        </>
      )}
      <CsvExport />
    </>
  );
}

function LeadFilterFields({
  agents,
  errors,
}: {
  agents: { id: string; name: string }[];
  errors: FieldErrors;
}) {
  const form = draft.value;
  const set = (patch: Partial<LeadFilterForm>) => {
    draft.value = { ...draft.value, ...patch };
  };
  return (
    <div class="filter-grid">
      <Field label={t('filters.agent')} error={errors.agentId}>
        {(control) => (
          <select {...control} value={form.agentId} onChange={(e) => set({ agentId: e.currentTarget.value })}>
            <option value="">{t('filters.anyAgent')}</option>
            {agents.map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('lead.status')} error={errors.status}>
        {(control) => (
          <select
            {...control}
            value={form.status}
            onChange={(e) => set({ status: e.currentTarget.value as LeadFilterForm['status'] })}
          >
            <option value="">{t('filters.any')}</option>
            {statuses.map((status) => (
              <option key={status} value={status}>
                {t(`lead.status.${status}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('leads.crmState')} error={errors.crmState}>
        {(control) => (
          <select
            {...control}
            value={form.crmState}
            onChange={(e) => set({ crmState: e.currentTarget.value as LeadFilterForm['crmState'] })}
          >
            <option value="">{t('filters.any')}</option>
            {crmStates.map((state) => (
              <option key={state} value={state}>
                {t(`crm.${state}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <PeriodFields from={form.from} to={form.to} errors={errors} onChange={set} />
    </div>
  );
}
