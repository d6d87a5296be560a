// Putting the agent on a site: the script tag and the ESM snippet for this deployment, the publishable key and
// its rotation, and a check of whether the widget loads on a given page.
import type { Agent } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api, config } from '../../../api.ts';
import { t } from '../../../i18n/messages.ts';
import { CopyButton } from '../../../ui/CopyButton.tsx';
import { ConfirmDialog } from '../../../ui/Dialog.tsx';
import { errorMessage } from '../../../ui/errors.ts';
import { toast } from '../../../ui/Toast.tsx';
import { EmbedCheck } from './EmbedCheck.tsx';
import { esmSnippet, scriptTag } from './snippets.ts';

export function InstallPanel({ agent, onRotated }: { agent: Agent; onRotated: (agent: Agent) => void }) {
  const settings = config.value!;
  const tag = scriptTag(agent, settings);
  const esm = esmSnippet(agent, settings);
  return (
    <>
      <div class="card">
        <h2>{t('install.scriptTitle')}</h2>
        <p class="muted">{t('install.scriptHint')}</p>
        <pre data-testid="script-tag">
          <code>{tag}</code>
        </pre>
        <CopyButton text={tag} label={t('install.copyTag')} />
      </div>
      <div class="card">
        <h2>{t('install.esmTitle')}</h2>
        <p class="muted">{t('install.esmHint')}</p>
        <pre data-testid="esm-snippet">
          <code>{esm}</code>
        </pre>
        <CopyButton text={esm} label={t('install.copyEsm')} />
      </div>
      <EmbedCheck agent={agent} />
      <KeyCard agent={agent} onRotated={onRotated} />
    </>
  );
}

function KeyCard({ agent, onRotated }: { agent: Agent; onRotated: (agent: Agent) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const rotate = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      onRotated(await api().agents.rotateKey(agent.id));
      toast(t('install.rotated'));
    } catch (error) {
      toast(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('install.keyTitle')}</h2>
      <p class="muted">{t('install.keyHint')}</p>
      <p>
        <code data-testid="publishable-key">{agent.publishableKey}</code>
      </p>
      <button type="button" class="button button-danger" disabled={busy} onClick={() => setConfirming(true)}>
        {t('install.rotate')}
      </button>
      <ConfirmDialog
        open={confirming}
        title={t('install.rotate')}
        message={t('install.rotateWarning')}
        confirmLabel={t('install.rotateConfirm')}
        onConfirm={rotate}
        onClose={() => setConfirming(false)}
      />
    </div>
  );
}
