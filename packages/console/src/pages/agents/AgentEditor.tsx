// The agent editor: tabs over one draft (switching tabs or a failed save never loses typed text), checked with
// the contract before saving and with the server's field errors shown beside their fields.
import type { Agent } from '@closer/contract';
import { useEffect, useState } from 'preact/hooks';
import { useSearch } from 'wouter-preact';
import { api } from '../../api.ts';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { errorMessage, type FieldErrors, serverFieldErrors } from '../../ui/errors.ts';
import { FormError } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { type TabItem, Tabs } from '../../ui/Tabs.tsx';
import { toast } from '../../ui/Toast.tsx';
import { PlanEditor } from '../qualification/PlanEditor.tsx';
import { type AgentDraft, changes, draftOf } from './draft.ts';
import { HandoffSection } from './handoff/HandoffSection.tsx';
import { InstallPanel } from './install/InstallPanel.tsx';
import { AccessSection } from './sections/AccessSection.tsx';
import { AppearanceSection } from './sections/AppearanceSection.tsx';
import { ConversationSection } from './sections/ConversationSection.tsx';
import { LeadsSection } from './sections/LeadsSection.tsx';

type TabKey = 'conversation' | 'leads' | 'qualification' | 'handoff' | 'appearance' | 'access' | 'install';

/** Which tab shows a field, by the first part of its path. */
const tabOfField: Record<string, TabKey> = {
  name: 'conversation',
  slug: 'conversation',
  description: 'conversation',
  persona: 'conversation',
  goal: 'conversation',
  language: 'conversation',
  model: 'conversation',
  contextWindow: 'conversation',
  temperature: 'conversation',
  maxTokens: 'conversation',
  greeting: 'conversation',
  starterPrompts: 'conversation',
  leadCapture: 'leads',
  theme: 'appearance',
  proactiveOpenSeconds: 'appearance',
  status: 'access',
  allowedOrigins: 'access',
  rateLimits: 'access',
  handoff: 'handoff',
};

export interface SectionProps {
  draft: AgentDraft;
  set: (patch: Partial<AgentDraft>) => void;
  errors: FieldErrors;
}

export function AgentEditor({ agent: initial }: { agent: Agent }) {
  const search = useSearch();
  const [tab, setTab] = useState<TabKey>(
    new URLSearchParams(search).get('tab') === 'install' ? 'install' : 'conversation',
  );
  const [agent, setAgent] = useState(initial);
  const [draft, setDraft] = useState(() => draftOf(initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const pending = changes(agent, draft);
  const dirty = !pending.ok || Object.keys(pending.body).length > 0;

  // Leaving the page with unsaved text asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);

  const set = (patch: Partial<AgentDraft>) => setDraft((current) => ({ ...current, ...patch }));

  const save = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = changes(agent, draft);
    if (!checked.ok) {
      setErrors(checked.errors);
      setFailure(t('form.fixFields'));
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const saved = await api().agents.update(agent.id, checked.body);
      setAgent(saved);
      // Only the fields this save sent are taken from the answer; the others keep what is typed in them.
      setDraft((current) => ({ ...current, ...pickSaved(draftOf(saved), checked.body) }));
      toast(t('form.saved'));
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setSaving(false);
    }
  };

  const errorCount = (key: TabKey) =>
    Object.keys(errors).filter((path) => tabOfField[path.split('.')[0]!] === key).length;
  const tabs: TabItem<TabKey>[] = (
    [
      ['conversation', 'agent.tab.conversation'],
      ['leads', 'agent.tab.leads'],
      ['qualification', 'agent.tab.qualification'],
      ['handoff', 'agent.tab.handoff'],
      ['appearance', 'agent.tab.appearance'],
      ['access', 'agent.tab.access'],
      ['install', 'agent.tab.install'],
    ] as [TabKey, MessageKey][]
  ).map(([key, label]) => {
    const count = errorCount(key);
    return { key, label: t(label), badge: count > 0 ? t('agent.errorsInTab', { count }) : undefined };
  });

  return (
    <>
      <PageHeader title={agent.name}>
        <span class={agent.status === 'active' ? 'badge' : 'badge badge-paused'}>
          {t(agent.status === 'active' ? 'agents.active' : 'agents.paused')}
        </span>
      </PageHeader>
      <Tabs label={t('agent.tabs')} tabs={tabs} selected={tab} onSelect={setTab}>
        {tab === 'install' ? (
          <InstallPanel agent={agent} onRotated={(rotated) => setAgent(rotated)} />
        ) : tab === 'qualification' ? (
          <PlanEditor agentId={agent.id} />
        ) : (
          <form noValidate onSubmit={save} aria-label={t('agent.form')}>
            {tab === 'conversation' && <ConversationSection draft={draft} set={set} errors={errors} />}
            {tab === 'leads' && <LeadsSection draft={draft} set={set} errors={errors} />}
            {tab === 'appearance' && <AppearanceSection draft={draft} set={set} errors={errors} />}
            {tab === 'access' && <AccessSection draft={draft} set={set} errors={errors} />}
            {tab === 'handoff' && <HandoffSection draft={draft} set={set} errors={errors} />}
            <div class="save-bar">
              <button type="submit" class="button button-primary" disabled={saving}>
                {saving ? t('action.saving') : t('action.save')}
              </button>
              {dirty && !failure && <span class="muted">{t('agent.unsaved')}</span>}
              <FormError message={failure} inline />
            </div>
          </form>
        )}
      </Tabs>
    </>
  );
}

/** The draft's parts for the fields a save sent. */
function pickSaved(saved: AgentDraft, body: object): Partial<AgentDraft> {
  const picked: Partial<Record<keyof AgentDraft, unknown>> = {};
  for (const key of Object.keys(body) as (keyof AgentDraft)[]) picked[key] = saved[key];
  return picked as Partial<AgentDraft>;
}
