// Knowledge: an agent's own items, and the organisation's knowledge base that agents draw on by category.
import { useState } from 'preact/hooks';
import { t } from '../../i18n/messages.ts';
import { useAgents } from '../../ui/agentNames.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Tabs } from '../../ui/Tabs.tsx';
import { BasePanel } from './BasePanel.tsx';
import { ItemsPanel } from './ItemsPanel.tsx';
import '../../ui/listPages.css';
import './knowledge.css';

export default function KnowledgePage() {
  const agents = useAgents();
  const [tab, setTab] = useState<'items' | 'base'>('items');
  return (
    <>
      <PageHeader title={t('nav.knowledge')} />
      <Tabs
        label={t('knowledge.tabs')}
        tabs={[
          { key: 'items', label: t('knowledge.tab.items') },
          { key: 'base', label: t('knowledge.tab.base') },
        ]}
        selected={tab}
        onSelect={setTab}
      >
        <div class="tab-body">
          {tab === 'items' ? <ItemsPanel agents={agents} /> : <BasePanel agents={agents} />}
        </div>
      </Tabs>
    </>
  );
}
