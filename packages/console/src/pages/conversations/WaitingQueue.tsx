// Visitors waiting for a person (docs/handoff.md), longest wait first, with their waiting time ticking. The list is
// read again whenever the organisation's live channel tells of a state change (a new request, a claim): no polling.
// The tab's title counts them, so a new one shows in a background tab; a chime plays for a new one if turned on.
import type { Conversation, OrganizationEvent } from '@closer/contract';
import { useEffect } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, currentOrgId } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { agentName, useAgents } from '../../ui/agentNames.ts';
import { ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { visitorLabel } from './ConversationsPage.tsx';
import { chime, chimeOn, setChime } from './chime.ts';
import { formatWaiting, isoDuration, useNow, useOrganizationChannel } from './live.ts';

/** Most shown at once; the status filter lists them all. */
const SHOWN = 50;

export function WaitingQueue({ onStateChange }: { onStateChange?: (event: OrganizationEvent) => void }) {
  const agents = useAgents();
  const waiting = useLoad(
    async () => api().conversations.list({ status: 'handoff_requested', limit: SHOWN }),
    [currentOrgId.value],
  );
  useOrganizationChannel((event) => {
    if (event.type !== 'state') return;
    if (event.data.status === 'handoff_requested') chime();
    waiting.reload();
    onStateChange?.(event);
  }, waiting.reload);
  const now = useNow(1000);
  const rows = [...(waiting.data?.data ?? [])].sort((x, y) => since(x) - since(y));
  useTitleCount(rows.length);

  return (
    <section class="card waiting-queue" aria-labelledby="waiting-title">
      <h2 id="waiting-title">
        {/* Announced when the count changes; the ticking times are not (they would speak every second). */}
        {t('waiting.title')}{' '}
        <span class="badge" aria-live="polite">
          {rows.length}
        </span>
      </h2>
      <label class="check waiting-sound">
        <input
          type="checkbox"
          checked={chimeOn.value}
          onChange={(event) => setChime(event.currentTarget.checked)}
        />
        {t('waiting.sound')}
      </label>
      {waiting.status === 'error' && !waiting.data ? (
        <ErrorState error={waiting.error} onRetry={waiting.reload} />
      ) : !waiting.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p class="muted">{t('waiting.nobody')}</p>
      ) : (
        <ul class="waiting-list">
          {rows.map((c) => (
            <li key={c.id}>
              <Link href={`/conversations/${c.id}`}>{visitorLabel(c)}</Link>
              <span class="muted">
                {' '}
                · {agentName(agents.data, c.agentId, t('conversations.deletedAgent'))}
              </span>
              {c.handoff?.reason && <span class="muted"> · {c.handoff.reason}</span>}
              <span class="waiting-time">
                {t('waiting.for')}{' '}
                <time dateTime={isoDuration(now - since(c))} data-testid="waiting-time">
                  {formatWaiting(now - since(c))}
                </time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const since = (c: Conversation) => Date.parse(c.handoff?.requestedAt ?? c.lastMessageAt);

/** `(n) ` before the page's title while n visitors wait. */
function useTitleCount(count: number) {
  useEffect(() => {
    const base = document.title.replace(/^\(\d+\) /, '');
    document.title = count > 0 ? `(${count}) ${base}` : base;
    return () => {
      document.title = document.title.replace(/^\(\d+\) /, '');
    };
  }, [count]);
}
