// The organisation's settings: its name, members and invitations, secret API keys, the Kommo connection, billing. What a
// role may not change is shown read-only or left out (the API decides; this only spares pointless clicks).
import { useState } from 'preact/hooks';
import { useSearch } from 'wouter-preact';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { currentOrganization } from '../../organizations.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Tabs } from '../../ui/Tabs.tsx';
import { BillingSection } from '../billing/BillingSection.tsx';
import { WebhooksSection } from '../webhooks/WebhooksSection.tsx';
import { ApiKeysSection } from './ApiKeysSection.tsx';
import { BookingSection } from './BookingSection.tsx';
import { KommoSection } from './KommoSection.tsx';
import { MembersSection } from './MembersSection.tsx';
import { OrganizationSection } from './OrganizationSection.tsx';

type TabKey = 'organization' | 'members' | 'apiKeys' | 'kommo' | 'booking' | 'webhooks' | 'billing';

const labels: Record<TabKey, MessageKey> = {
  organization: 'settings.tab.organization',
  members: 'settings.tab.members',
  apiKeys: 'settings.tab.apiKeys',
  kommo: 'settings.tab.kommo',
  booking: 'settings.tab.booking',
  webhooks: 'settings.tab.webhooks',
  billing: 'settings.tab.billing',
};

export default function SettingsPage() {
  const role = currentOrganization.value?.role ?? 'member';
  const staffOnly = role === 'member';
  const available: TabKey[] = staffOnly
    ? ['organization', 'members']
    : ['organization', 'members', 'apiKeys', 'kommo', 'booking', 'webhooks', 'billing'];
  const asked = new URLSearchParams(useSearch()).get('tab') as TabKey | null;
  const [tab, setTab] = useState<TabKey>(asked && available.includes(asked) ? asked : 'organization');
  return (
    <>
      <PageHeader title={t('settings.title')} />
      <Tabs
        label={t('settings.title')}
        tabs={available.map((key) => ({ key, label: t(labels[key]) }))}
        selected={tab}
        onSelect={setTab}
      >
        {tab === 'organization' && <OrganizationSection />}
        {tab === 'members' && <MembersSection />}
        {tab === 'apiKeys' && <ApiKeysSection />}
        {tab === 'kommo' && <KommoSection />}
        {tab === 'booking' && <BookingSection />}
        {tab === 'webhooks' && <WebhooksSection />}
        {tab === 'billing' && <BillingSection />}
      </Tabs>
    </>
  );
}
