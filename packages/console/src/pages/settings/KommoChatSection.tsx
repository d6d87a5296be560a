// The agent in Kommo's chats: the agent's Salesbot URL, the bot to paste into Kommo and the widget archive to
// upload (docs/kommo-chat.md). Shown once Kommo is connected.
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { AgentSelect } from '../../ui/AgentSelect.tsx';
import { useAgents } from '../../ui/agentNames.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { errorMessage } from '../../ui/errors.ts';
import { ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';

const WIDGET_FILE = 'closer-salesbot-widget.zip';

export function KommoChatSection() {
  const agents = useAgents();
  const [chosen, setChosen] = useState<string | null>(null);
  const agentId = chosen ?? agents.data?.[0]?.id ?? null;
  if (agents.status === 'error' && !agents.data)
    return <ErrorState error={agents.error} onRetry={agents.reload} />;
  if (!agents.data) return <Loading />;
  return (
    <div class="card" data-testid="kommo-chat">
      <h2>{t('kommoChat.title')}</h2>
      <p>{t('kommoChat.intro')}</p>
      <AgentSelect agents={agents.data} value={agentId ?? ''} onChange={setChosen} />
      {agentId && <SalesbotSetup agentId={agentId} />}
      <p class="muted">{t('kommoChat.guide')}</p>
    </div>
  );
}

function SalesbotSetup({ agentId }: { agentId: string }) {
  const setup = useLoad(() => api().kommo.salesbotSetup(agentId), [agentId]);
  const [busy, setBusy] = useState(false);
  if (setup.status === 'error' && !setup.data)
    return <ErrorState error={setup.error} onRetry={setup.reload} />;
  if (!setup.data) return <Loading />;
  const bot = JSON.stringify(setup.data.salesbot, null, 2);
  const download = async () => {
    setBusy(true);
    try {
      const response = await api().kommo.salesbotWidget(agentId);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = WIDGET_FILE;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      toast(t('kommoChat.widgetSaved', { file: WIDGET_FILE }));
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3>{t('kommoChat.url')}</h3>
      <pre>
        <code data-testid="salesbot-url">{setup.data.url}</code>
      </pre>
      <CopyButton text={setup.data.url} />
      <h3>{t('kommoChat.bot')}</h3>
      <pre>
        <code data-testid="salesbot-source">{bot}</code>
      </pre>
      <div class="actions">
        <CopyButton text={bot} label={t('kommoChat.copyBot')} />
        <button type="button" class="button" disabled={busy} onClick={() => void download()}>
          {t('kommoChat.widget')}
        </button>
      </div>
    </>
  );
}
