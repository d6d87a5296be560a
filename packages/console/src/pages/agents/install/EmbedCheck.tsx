// "Will the widget load on this page?": the page's origin against the agent's allowed origins and its status.
import type { Agent } from '@closer/contract';
import { useState } from 'preact/hooks';
import { t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import { type EmbedVerdict, embedVerdict } from './embedVerdict.ts';

export function EmbedCheck({ agent }: { agent: Agent }) {
  const [url, setUrl] = useState('');
  const [verdict, setVerdict] = useState<EmbedVerdict | null>(null);
  return (
    <div class="card">
      <h2>{t('install.checkTitle')}</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setVerdict(embedVerdict(agent, url));
        }}
      >
        <Field
          label={t('install.checkUrl')}
          hint={t('install.checkHint')}
          error={verdict?.kind === 'invalid_url' ? t('install.invalidUrl') : undefined}
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
        <button type="submit" class="button">
          {t('install.check')}
        </button>
      </form>
      <div role="status" data-testid="embed-verdict">
        {verdict?.kind === 'loads' && (
          <p class="form-success">{t('install.loads', { origin: verdict.origin })}</p>
        )}
        {verdict?.kind === 'origin_not_allowed' && (
          <p class="form-error">{t('install.notAllowed', { origin: verdict.origin })}</p>
        )}
        {verdict?.kind === 'paused' && <p class="form-error">{t('install.paused')}</p>}
      </div>
    </div>
  );
}
