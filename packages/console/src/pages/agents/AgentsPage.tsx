// The organisation's agents: status, language, model and allowed sites at a glance; a new agent in one step.
import { type Agent, agentCreate } from '@closer/contract';
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, currentOrgId } from '../../api.ts';
import { locale } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { type Column, Table } from '../../ui/Table.tsx';
import { languageOptions } from './options.ts';

export default function AgentsPage() {
  const agents = useLoad(async () => {
    const all: Agent[] = [];
    for await (const agent of api().agents.list({ limit: 100 })) all.push(agent);
    return all;
  }, [currentOrgId.value]);
  const [creating, setCreating] = useState(false);
  const columns: Column<Agent>[] = [
    { header: t('agents.name'), cell: (agent) => <Link href={`/agents/${agent.id}`}>{agent.name}</Link> },
    {
      header: t('agents.status'),
      cell: (agent) => (
        <span class={agent.status === 'active' ? 'badge' : 'badge badge-paused'}>
          {t(agent.status === 'active' ? 'agents.active' : 'agents.paused')}
        </span>
      ),
    },
    { header: t('agents.language'), cell: (agent) => agent.language },
    { header: t('agents.model'), cell: (agent) => agent.model ?? t('agents.defaultModel') },
    {
      header: t('agents.origins'),
      cell: (agent) =>
        agent.allowedOrigins.length === 0 ? (
          <span class="muted">{t('agents.noOrigins')}</span>
        ) : (
          agent.allowedOrigins.join(', ')
        ),
    },
  ];
  return (
    <>
      <PageHeader title={t('nav.agents')}>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          {t('agents.new')}
        </button>
      </PageHeader>
      <Loaded load={agents}>
        {(list) =>
          list.length === 0 ? (
            <Empty title={t('agents.empty')}>
              <p>{t('agents.emptyHint')}</p>
              <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
                {t('agents.new')}
              </button>
            </Empty>
          ) : (
            <Table caption={t('nav.agents')} columns={columns} rows={list} rowKey={(agent) => agent.id} />
          )
        }
      </Loaded>
      <Dialog open={creating} title={t('agents.new')} onClose={() => setCreating(false)}>
        <NewAgentForm />
      </Dialog>
    </>
  );
}

function NewAgentForm() {
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [language, setLanguage] = useState<string>(locale.value);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const checked = validate(agentCreate, { name, language });
    setFailure(null);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const agent = await api().agents.create(checked.data);
      navigate(`/agents/${agent.id}`);
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={submit}>
      <Field label={t('agents.name')} error={errors.name}>
        {(control) => (
          <input {...control} value={name} onInput={(event) => setName(event.currentTarget.value)} />
        )}
      </Field>
      <Field label={t('agents.language')} error={errors.language}>
        {(control) => (
          <select {...control} value={language} onChange={(event) => setLanguage(event.currentTarget.value)}>
            {languageOptions().map((option) => (
              <option key={option.code} value={option.code}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormError message={failure} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('action.create')}
        </button>
      </div>
    </form>
  );
}
