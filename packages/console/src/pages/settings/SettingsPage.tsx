// The organisation's settings: name, members, API keys, Kommo.
import { t } from '../../i18n/messages.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';

export default function SettingsPage() {
  return <PageHeader title={t('settings.title')} />;
}
