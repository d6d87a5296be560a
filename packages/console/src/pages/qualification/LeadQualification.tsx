// A lead's qualification on its page: score and band, the answers, why the score is what it is, and its history.
import type { Lead, LeadQualification as Qualification } from '@closer/contract';
import { api } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { Loaded, useLoad } from '../../ui/states.tsx';
import './qualification.css';

const shown = (value: string | number | boolean) =>
  typeof value === 'boolean' ? t(value ? 'qualification.yes' : 'qualification.no') : String(value);

export function BandBadge({ qualification }: { qualification: Qualification | null }) {
  if (!qualification) return <span class="muted">{t('qualification.notScored')}</span>;
  return (
    <span class={`badge band-${qualification.band}`}>
      {t(`qualification.band.${qualification.band}`)} ·{' '}
      {t('qualification.scoreOf', { score: qualification.score })}
    </span>
  );
}

export function LeadQualification({ lead }: { lead: Lead }) {
  const history = useLoad(() => api().leads.qualification(lead.id), [lead.id, lead.updatedAt]);
  const qualification = lead.qualification;
  return (
    <section aria-labelledby={`qualification-${lead.id}`}>
      <h3 id={`qualification-${lead.id}`}>{t('qualification.score')}</h3>
      <BandBadge qualification={qualification} />
      {qualification && (
        <>
          <dl class="details">
            {Object.entries(qualification.answers).map(([key, answer]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{shown(answer.value)}</dd>
              </div>
            ))}
          </dl>
          <h4>{t('qualification.reason')}</h4>
          <pre class="qualification-reason">{qualification.reason}</pre>
          <h4>{t('qualification.history')}</h4>
          <Loaded load={history}>
            {(data) => (
              <ol class="qualification-history">
                {data.history.map((change) => (
                  <li key={change.id}>
                    {formatDateTime(change.createdAt)} — {t(`qualification.band.${change.band}`)},{' '}
                    {t('qualification.scoreOf', { score: change.score })} (
                    {t(`qualification.source.${change.source}`)})
                  </li>
                ))}
              </ol>
            )}
          </Loaded>
        </>
      )}
    </section>
  );
}
