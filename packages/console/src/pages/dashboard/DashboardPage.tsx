// The dashboard: a period of whole days in a chosen time zone; totals, the daily chart with its table, the most
// used objection answers, lead outcomes and the CRM's health, every figure also as a table.
import { type Dashboard, dashboardQuery } from '@closer/contract';
import type { DashboardParams } from '@closer/sdk';
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime, formatNumber, locale } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { useAgents } from '../../ui/agentNames.ts';
import { type FieldErrors, validate } from '../../ui/errors.ts';
import { Field } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { PeriodFields } from '../../ui/PeriodFields.tsx';
import { lastDays } from '../../ui/period.ts';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { type Column, Table } from '../../ui/Table.tsx';
import { DashboardBillingWarnings } from '../billing/BillingWarnings.tsx';
import { DailyChart } from './DailyChart.tsx';
import '../../ui/listPages.css';
import './dashboard.css';

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const initial = (): Required<Omit<DashboardParams, 'agentId'>> & { agentId: string } => ({
  ...lastDays(30, browserZone),
  tz: browserZone,
  agentId: '',
});
const draft = signal(initial());
const applied = signal(initial());

const zones = (): string[] => {
  const known =
    (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set(['UTC', browserZone, ...known])];
};

const percent = (rate: number) =>
  new Intl.NumberFormat(locale.value, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
const dayLabel = (date: string) =>
  new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

const params = (form: typeof applied.value): DashboardParams => ({
  from: form.from,
  to: form.to,
  tz: form.tz,
  ...(form.agentId ? { agentId: form.agentId } : {}),
});

export default function DashboardPage() {
  const agents = useAgents();
  const [errors, setErrors] = useState<FieldErrors>({});
  const stats = useLoad(
    () => api().dashboard.retrieve(params(applied.value)),
    [currentOrgId.value, applied.value],
  );
  const show = (event: Event) => {
    event.preventDefault();
    const checked = validate(dashboardQuery, params(draft.value));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    applied.value = { ...draft.value };
  };
  const set = (patch: Partial<typeof draft.value>) => {
    draft.value = { ...draft.value, ...patch };
  };
  const form = draft.value;
  return (
    <>
      <PageHeader title={t('nav.dashboard')} />
      <DashboardBillingWarnings />
      <form class="card filters" aria-label={t('dashboard.controls')} noValidate onSubmit={show}>
        <div class="filter-grid">
          <PeriodFields from={form.from} to={form.to} errors={errors} onChange={set} />
          <Field label={t('dashboard.timeZone')} hint={t('dashboard.timeZoneHint')} error={errors.tz}>
            {(control) => (
              <select {...control} value={form.tz} onChange={(e) => set({ tz: e.currentTarget.value })}>
                {zones().map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('filters.agent')} error={errors.agentId}>
            {(control) => (
              <select
                {...control}
                value={form.agentId}
                onChange={(e) => set({ agentId: e.currentTarget.value })}
              >
                <option value="">{t('filters.anyAgent')}</option>
                {(agents.data ?? []).map((agent) => (
                  <option key={agent.id} value={agent.id}>
                    {agent.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div class="actions">
          <button type="submit" class="button button-primary">
            {t('dashboard.show')}
          </button>
        </div>
      </form>
      <Loaded load={stats}>{(data) => <Figures data={data} />}</Loaded>
    </>
  );
}

function Figures({ data }: { data: Dashboard }) {
  return (
    <>
      <section aria-labelledby="dashboard-totals">
        <h2 id="dashboard-totals" class="visually-hidden">
          {t('dashboard.totals')}
        </h2>
        <dl class="figures" data-testid="totals">
          <Figure label={t('dashboard.conversations')} value={formatNumber(data.totals.conversations)} />
          <Figure label={t('dashboard.leads')} value={formatNumber(data.totals.leads)} />
          <Figure label={t('dashboard.conversion')} value={percent(data.totals.conversionRate)} />
          <Figure label={t('dashboard.visitorMessages')} value={formatNumber(data.totals.visitorMessages)} />
        </dl>
      </section>
      {data.totals.conversations === 0 && data.totals.leads === 0 ? (
        <Empty title={t('dashboard.nothing')}>
          <p>{t('dashboard.nothingHint')}</p>
        </Empty>
      ) : (
        <section class="card" aria-labelledby="dashboard-daily">
          <h2 id="dashboard-daily">{t('dashboard.daily')}</h2>
          <DailyChart daily={data.daily} />
          <DailyTable daily={data.daily} />
        </section>
      )}
      <div class="dashboard-grid">
        <Objections data={data} />
        <Outcomes data={data} />
        <CrmHealth data={data} />
        {data.agents.length > 1 && <ByAgent data={data} />}
        <QualificationByAgent data={data} />
      </div>
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function DailyTable({ daily }: { daily: Dashboard['daily'] }) {
  const columns: Column<Dashboard['daily'][number]>[] = [
    { header: t('dashboard.date'), cell: (d) => dayLabel(d.date) },
    { header: t('dashboard.conversations'), numeric: true, cell: (d) => formatNumber(d.conversations) },
    { header: t('dashboard.leads'), numeric: true, cell: (d) => formatNumber(d.leads) },
    { header: t('dashboard.visitorMessages'), numeric: true, cell: (d) => formatNumber(d.visitorMessages) },
  ];
  return <Table caption={t('dashboard.daily')} columns={columns} rows={daily} rowKey={(d) => d.date} />;
}

/** A number with a bar as long as its share of `max` (the bar is decoration: the number is the figure). */
function Bar({ value, max }: { value: number; max: number }) {
  return (
    <>
      {formatNumber(value)}
      <span class="bar" aria-hidden="true" style={{ width: `${max > 0 ? (value / max) * 100 : 0}%` }} />
    </>
  );
}

function Objections({ data }: { data: Dashboard }) {
  const max = Math.max(0, ...data.topObjections.map((o) => o.uses));
  return (
    <section class="card" aria-labelledby="dashboard-objections">
      <h2 id="dashboard-objections">{t('dashboard.objections')}</h2>
      {data.topObjections.length === 0 ? (
        <p class="muted">{t('dashboard.noObjections')}</p>
      ) : (
        <Table
          caption={t('dashboard.objections')}
          rows={data.topObjections}
          rowKey={(o) => o.objectionId}
          columns={[
            { header: t('dashboard.objection'), cell: (o) => o.objection },
            { header: t('dashboard.uses'), numeric: true, cell: (o) => <Bar value={o.uses} max={max} /> },
          ]}
        />
      )}
    </section>
  );
}

function Outcomes({ data }: { data: Dashboard }) {
  const rows = [
    { key: 'new', label: t('lead.status.new'), value: data.leadOutcomes.new },
    { key: 'in_progress', label: t('lead.status.in_progress'), value: data.leadOutcomes.inProgress },
    { key: 'won', label: t('lead.status.won'), value: data.leadOutcomes.won },
    { key: 'lost', label: t('lead.status.lost'), value: data.leadOutcomes.lost },
  ];
  const max = Math.max(0, ...rows.map((r) => r.value));
  return (
    <section class="card" aria-labelledby="dashboard-outcomes">
      <h2 id="dashboard-outcomes">{t('dashboard.outcomes')}</h2>
      <Table
        caption={t('dashboard.outcomes')}
        rows={rows}
        rowKey={(r) => r.key}
        columns={[
          { header: t('dashboard.outcome'), cell: (r) => r.label },
          { header: t('dashboard.count'), numeric: true, cell: (r) => <Bar value={r.value} max={max} /> },
        ]}
      />
    </section>
  );
}

function CrmHealth({ data }: { data: Dashboard }) {
  const { crm } = data;
  return (
    <section class="card" aria-labelledby="dashboard-crm">
      <h2 id="dashboard-crm">{t('dashboard.crm')}</h2>
      <dl class="details">
        <div>
          <dt>{t('dashboard.crmStatus')}</dt>
          <dd data-testid="crm-status">{t(`dashboard.crm.${crm.status}`)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.lastSync')}</dt>
          <dd>{crm.lastSyncAt ? formatDateTime(crm.lastSyncAt) : t('dashboard.never')}</dd>
        </div>
        {crm.lastError && (
          <div>
            <dt>{t('dashboard.lastError')}</dt>
            <dd class="crm-error">{crm.lastError}</dd>
          </div>
        )}
      </dl>
      <Table
        caption={t('dashboard.crm')}
        rowKey={(r) => r.key}
        rows={[
          { key: 'pending', value: crm.leads.pending },
          { key: 'synced', value: crm.leads.synced },
          { key: 'failed', value: crm.leads.failed },
        ]}
        columns={[
          { header: t('leads.crmState'), cell: (r) => t(`crm.${r.key as 'pending' | 'synced' | 'failed'}`) },
          { header: t('dashboard.count'), numeric: true, cell: (r) => formatNumber(r.value) },
        ]}
      />
    </section>
  );
}

function QualificationByAgent({ data }: { data: Dashboard }) {
  if (data.qualification.length === 0) return null;
  const name = (id: string) => data.agents.find((a) => a.agentId === id)?.name ?? id;
  const count = (n: number) => formatNumber(n);
  return (
    <section class="card dashboard-wide" aria-labelledby="dashboard-qualification">
      <h2 id="dashboard-qualification">{t('qualification.byAgent')}</h2>
      <Table
        caption={t('qualification.byAgent')}
        rows={data.qualification}
        rowKey={(q) => q.agentId}
        columns={[
          { header: t('dashboard.agent'), cell: (q) => name(q.agentId) },
          { header: t('qualification.band.hot'), numeric: true, cell: (q) => count(q.hot) },
          { header: t('qualification.band.warm'), numeric: true, cell: (q) => count(q.warm) },
          { header: t('qualification.band.cold'), numeric: true, cell: (q) => count(q.cold) },
          { header: t('qualification.unscored'), numeric: true, cell: (q) => count(q.unscored) },
          {
            header: t('qualification.average'),
            numeric: true,
            cell: (q) => (q.averageScore === null ? '—' : count(q.averageScore)),
          },
        ]}
      />
    </section>
  );
}

function ByAgent({ data }: { data: Dashboard }) {
  return (
    <section class="card dashboard-wide" aria-labelledby="dashboard-agents">
      <h2 id="dashboard-agents">{t('dashboard.byAgent')}</h2>
      <Table
        caption={t('dashboard.byAgent')}
        rows={data.agents}
        rowKey={(a) => a.agentId}
        columns={[
          { header: t('dashboard.agent'), cell: (a) => a.name },
          { header: t('dashboard.conversations'), numeric: true, cell: (a) => formatNumber(a.conversations) },
          { header: t('dashboard.leads'), numeric: true, cell: (a) => formatNumber(a.leads) },
          { header: t('dashboard.conversion'), numeric: true, cell: (a) => percent(a.conversionRate) },
        ]}
      />
    </section>
  );
}
