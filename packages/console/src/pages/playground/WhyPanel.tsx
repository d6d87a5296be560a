// "Why this answer": for each visitor message, the passages, objection answers and script stage the reply is
// grounded on, with their scores, newest message first. Asked once per message, with the turns before it.
import type { Retrieval } from '@closer/contract';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { ErrorState, Loading } from '../../ui/states.tsx';
import type { Turn } from './InlineChat.tsx';

type Explanation =
  | { status: 'loading' }
  | { status: 'ready'; data: Retrieval }
  | { status: 'error'; error: unknown };

const score = (value: number) => value.toFixed(3);

export function WhyPanel({ agentId, turns }: { agentId: string; turns: Turn[] }) {
  const [explanations, setExplanations] = useState<Record<number, Explanation>>({});
  const explain = (index: number) => {
    const turn = turns[index];
    if (!turn) return;
    setExplanations((all) => ({ ...all, [index]: { status: 'loading' } }));
    const history = turns.slice(0, index).map((before) => ({ role: before.role, content: before.text }));
    api()
      .agents.previewRetrieval(agentId, { message: turn.text, history: history.slice(-100) })
      .then(
        (data) => setExplanations((all) => ({ ...all, [index]: { status: 'ready', data } })),
        (error: unknown) => setExplanations((all) => ({ ...all, [index]: { status: 'error', error } })),
      );
  };
  useEffect(() => {
    turns.forEach((turn, index) => {
      if (turn.role === 'user' && !(index in explanations)) explain(index);
    });
  }, [turns]);
  const asked = turns.flatMap((turn, index) => (turn.role === 'user' ? [index] : [])).reverse();
  return (
    <section class="card playground-why" aria-labelledby="playground-why">
      <h2 id="playground-why">{t('playground.why')}</h2>
      {asked.length === 0 ? (
        <p class="muted">{t('playground.whyEmpty')}</p>
      ) : (
        asked.map((index) => (
          <article
            key={index}
            class="why-turn"
            aria-label={t('playground.forMessage', { message: turns[index]?.text ?? '' })}
          >
            <h3 class="why-message">“{turns[index]?.text}”</h3>
            <ExplanationView explanation={explanations[index]} onRetry={() => explain(index)} />
          </article>
        ))
      )}
    </section>
  );
}

function ExplanationView({
  explanation,
  onRetry,
}: {
  explanation: Explanation | undefined;
  onRetry: () => void;
}) {
  if (!explanation || explanation.status === 'loading') return <Loading />;
  if (explanation.status === 'error') return <ErrorState error={explanation.error} onRetry={onRetry} />;
  const { passages, objections, script, stage } = explanation.data;
  return (
    <>
      <p>
        {t('playground.stage')}: <strong>{t(`scripts.stage.${stage}`)}</strong>
      </p>
      {script && <p class="why-content">{script.content}</p>}
      <h4>{t('playground.passages')}</h4>
      {passages.length === 0 ? (
        <p class="muted">{t('playground.noPassages')}</p>
      ) : (
        <ol class="why-list">
          {passages.map((passage) => (
            <li key={`${passage.kind}-${passage.id}`} class="why-item">
              <strong>{passage.title}</strong>{' '}
              <span class="badge">{t(`playground.kind.${passage.kind}`)}</span>
              <dl class="why-scores">
                <dt>{t('playground.score')}</dt>
                <dd>{score(passage.score)}</dd>
                {passage.similarity !== undefined && (
                  <>
                    <dt>{t('playground.similarity')}</dt>
                    <dd>{score(passage.similarity)}</dd>
                  </>
                )}
                <dt>{t('playground.matched')}</dt>
                <dd>{t(`playground.matched.${passage.matched}`)}</dd>
              </dl>
              <p class="why-content">{passage.content}</p>
            </li>
          ))}
        </ol>
      )}
      <h4>{t('playground.objections')}</h4>
      {objections.length === 0 ? (
        <p class="muted">{t('playground.noObjections')}</p>
      ) : (
        <ol class="why-list">
          {objections.map((objection) => (
            <li key={objection.id} class="why-item">
              <strong>{objection.objection}</strong>
              <dl class="why-scores">
                <dt>{t('playground.score')}</dt>
                <dd>{score(objection.score)}</dd>
              </dl>
              <p class="why-content">{objection.answer}</p>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
