// "Will the widget load on this page?": the API answers with the rule the chat routes apply (the page's origin
// among the allowed ones, the agent active), for the agent as saved.
import type { Agent, EmbedCheck as Verdict } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api } from '../../../api.ts';
import { t } from '../../../i18n/messages.ts';
import { errorMessage, serverFieldErrors } from '../../../ui/errors.ts';
import { Field } from '../../../ui/Field.tsx';

export function EmbedCheck({ agent }: { agent: Agent }) {
  const [url, setUrl] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [invalid, setInvalid] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async (event: Event) => {
    event.preventDefault();
    setVerdict(null);
    setFailure(null);
    setInvalid(false);
    setBusy(true);
    try {
      setVerdict(await api().agents.checkEmbed(agent.id, { pageUrl: url.trim() }));
    } catch (error) {
      if (serverFieldErrors(error).pageUrl) setInvalid(true);
      else setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('install.checkTitle')}</h2>
      <form noValidate onSubmit={check}>
        <Field
          label={t('install.checkUrl')}
          hint={t('install.checkHint')}
          error={invalid ? t('install.invalidUrl') : undefined}
        >
          {(control) => (
            <input
              {...control}
              type="url"
              inputMode="url"
              placeholder="https://www.example.com/pricing"
              value={url}
              onInput={(event) => setUrl(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="button" disabled={busy}>
          {t('install.check')}
        </button>
      </form>
      <div role="status" data-testid="embed-verdict">
        {verdict?.loads && <p class="form-success">{t('install.loads', { origin: verdict.origin })}</p>}
        {verdict && !verdict.originAllowed && (
          <p class="form-error">{t('install.notAllowed', { origin: verdict.origin })}</p>
        )}
        {verdict && !verdict.agentActive && <p class="form-error">{t('install.paused')}</p>}
        {failure && <p class="form-error">{failure}</p>}
      </div>
    </div>
  );
}
