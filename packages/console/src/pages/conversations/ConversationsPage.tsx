// Conversations: filter by agent, status, period, lead and words; newest first, a page at a time. The filters are
// kept while the user opens a transcript and comes back. Above them, the visitors waiting for a person, live.
import { type Conversation, conversationListQuery } from '@closer/contract';
import type { ConversationFilters } from '@closer/sdk';
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime, formatNumber } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { agentName, useAgents } from '../../ui/agentNames.ts';
import { type FieldErrors, validate } from '../../ui/errors.ts';
import { Field } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { PeriodFields } from '../../ui/PeriodFields.tsx';
import { periodInstants } from '../../ui/period.ts';
import { Empty, ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { type Column, Table } from '../../ui/Table.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { WaitingQueue } from './WaitingQueue.tsx';
import '../../ui/listPages.css';
import './conversations.css';

export interface ConversationFilterForm {
  agentId: string;
  status: '' | Conversation['status'];
  from: string;
  to: string;
  hasLead: '' | 'true' | 'false';
  q: string;
}

const noFilters: ConversationFilterForm = { agentId: '', status: '', from: '', to: '', hasLead: '', q: '' };
/** The filters as typed, and as last applied; module state, so they survive a visit to a transcript. */
const draft = signal<ConversationFilterForm>(noFilters);
const applied = signal<ConversationFilterForm>(noFilters);

/** The list's parameters from a filter form (empty fields left out). */
export function conversationParams(form: ConversationFilterForm): ConversationFilters {
  return {
    ...(form.agentId ? { agentId: form.agentId } : {}),
    ...(form.status ? { status: form.status } : {}),
    ...(form.hasLead ? { hasLead: form.hasLead === 'true' } : {}),
    ...(form.q.trim() ? { q: form.q } : {}),
    ...periodInstants(form),
  };
}

/** The same filters as the query string the contract checks. */
const asQuery = (params: ConversationFilters) => ({
  ...params,
  ...(params.hasLead === undefined ? {} : { hasLead: String(params.hasLead) }),
});

export function visitorLabel(conversation: Pick<Conversation, 'visitor'>): string {
  return (
    conversation.visitor.name ||
    conversation.visitor.email ||
    conversation.visitor.phone ||
    t('conversations.anonymous')
  );
}

export default function ConversationsPage() {
  const agents = useAgents();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [more, setMore] = useState<{
    rows: Conversation[];
    cursor: string | null;
    busy: boolean;
    error?: unknown;
  }>();
  const list = useLoad(async () => {
    setMore(undefined);
    return api().conversations.list({ ...conversationParams(applied.value), limit: 25 });
  }, [currentOrgId.value, applied.value]);

  const apply = (event: Event) => {
    event.preventDefault();
    const checked = validate(conversationListQuery, asQuery(conversationParams(draft.value)));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    applied.value = { ...draft.value };
  };
  const reset = () => {
    setErrors({});
    draft.value = noFilters;
    applied.value = noFilters;
  };
  const loadMore = async (cursor: string, rows: Conversation[]) => {
    setMore({ rows, cursor, busy: true });
    try {
      const page = await api().conversations.list({
        ...conversationParams(applied.value),
        limit: 25,
        cursor,
      });
      setMore({ rows: [...rows, ...page.data], cursor: page.nextCursor, busy: false });
    } catch (error) {
      setMore({ rows, cursor, busy: false, error });
    }
  };

  const columns: Column<Conversation>[] = [
    {
      header: t('conversations.started'),
      cell: (c) => (
        <Link
          href={`/conversations/${c.id}`}
          aria-label={t('conversations.open', { time: formatDateTime(c.createdAt) })}
        >
          {formatDateTime(c.createdAt)}
        </Link>
      ),
    },
    { header: t('conversations.visitor'), cell: (c) => visitorLabel(c) },
    {
      header: t('conversations.agent'),
      cell: (c) => agentName(agents.data, c.agentId, t('conversations.deletedAgent')),
    },
    { header: t('conversations.messages'), numeric: true, cell: (c) => formatNumber(c.messageCount) },
    {
      header: t('conversations.status'),
      cell: (c) => (
        <>
          <StatusBadge status={c.status} />
          {c.status === 'handoff_requested' && c.handoff?.requestedAt && (
            <span class="muted"> {formatDateTime(c.handoff.requestedAt)}</span>
          )}
        </>
      ),
    },
    {
      header: t('conversations.hasLead'),
      cell: (c) => (c.leadId ? <span class="badge badge-lead">{t('conversations.leadBadge')}</span> : ''),
    },
  ];

  const filtered = JSON.stringify(applied.value) !== JSON.stringify(noFilters);
  const rows = more?.rows ?? list.data?.data ?? [];
  const cursor = more ? more.cursor : (list.data?.nextCursor ?? null);
  return (
    <>
      <PageHeader title={t('nav.conversations')} />
      {/* A state change anywhere re-reads the list too, unless the user has paged on (kept as shown). */}
      <WaitingQueue onStateChange={() => more === undefined && list.reload()} />
      <form class="card filters" aria-label={t('filters.label')} noValidate onSubmit={apply}>
        <ConversationFilterFields agents={agents.data ?? []} errors={errors} />
        <div class="actions">
          <button type="submit" class="button button-primary">
            {t('filters.apply')}
          </button>
          <button type="button" class="button" onClick={reset}>
            {t('filters.reset')}
          </button>
        </div>
      </form>
      {list.status === 'error' && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty title={t(filtered ? 'conversations.noMatch' : 'conversations.empty')}>
          {!filtered && <p>{t('conversations.emptyHint')}</p>}
        </Empty>
      ) : (
        <>
          <div aria-busy={list.status === 'loading'}>
            <Table caption={t('nav.conversations')} columns={columns} rows={rows} rowKey={(c) => c.id} />
          </div>
          {more?.error !== undefined && <ErrorState error={more.error} />}
          {cursor && (
            <div class="actions load-more">
              <button
                type="button"
                class="button"
                disabled={more?.busy}
                onClick={() => void loadMore(cursor, rows)}
              >
                {more?.busy ? t('state.loading') : t('filters.loadMore')}
              </button>
            </div>
          )}
        </>
      )}
    </>
  );
}

function ConversationFilterFields({
  agents,
  errors,
}: {
  agents: { id: string; name: string }[];
  errors: FieldErrors;
}) {
  const form = draft.value;
  const set = (patch: Partial<ConversationFilterForm>) => {
    draft.value = { ...draft.value, ...patch };
  };
  return (
    <div class="filter-grid">
      <Field label={t('filters.search')} hint={t('filters.searchHint')} error={errors.q}>
        {(control) => (
          <input
            {...control}
            type="search"
            value={form.q}
            onInput={(e) => set({ q: e.currentTarget.value })}
          />
        )}
      </Field>
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
      <Field label={t('filters.status')} error={errors.status}>
        {(control) => (
          <select
            {...control}
            value={form.status}
            onChange={(e) => set({ status: e.currentTarget.value as ConversationFilterForm['status'] })}
          >
            <option value="">{t('filters.any')}</option>
            <option value="active">{t('conversations.active')}</option>
            <option value="handoff_requested">{t('conversations.handoff_requested')}</option>
            <option value="human">{t('conversations.human')}</option>
            <option value="closed">{t('conversations.closed')}</option>
          </select>
        )}
      </Field>
      <Field label={t('conversations.hasLead')} error={errors.hasLead}>
        {(control) => (
          <select
            {...control}
            value={form.hasLead}
            onChange={(e) => set({ hasLead: e.currentTarget.value as ConversationFilterForm['hasLead'] })}
          >
            <option value="">{t('filters.any')}</option>
            <option value="true">{t('conversations.withLead')}</option>
            <option value="false">{t('conversations.withoutLead')}</option>
          </select>
        )}
      </Field>
      <PeriodFields from={form.from} to={form.to} errors={errors} onChange={set} />
    </div>
  );
}
