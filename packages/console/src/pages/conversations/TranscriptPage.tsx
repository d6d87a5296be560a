// One conversation: its messages with how each reply ended, the visitor's details and the lead. It follows the
// conversation's live channel: every stored event (a visitor's or an operator's message, a state change) reads it
// again, typing shows as it happens. The agent's own turns are not on the channel, so while the agent answers
// (`active`) the page also reads again every few seconds (only while the tab is visible).
import type { ConversationWithMessages, Lead, Message } from '@closer/contract';
import { NotFoundError } from '@closer/sdk';
import { useEffect } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime, formatNumber } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import type { PageProps } from '../../routes.ts';
import { agentName, useAgents } from '../../ui/agentNames.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { ErrorState, Loaded, useLoad } from '../../ui/states.tsx';
import { LeadSummary } from '../leads/LeadSummary.tsx';
import { visitorLabel } from './ConversationsPage.tsx';
import { type Shown, useConversationChannel } from './live.ts';
import { OperatorPanel } from './OperatorPanel.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import '../../ui/listPages.css';
import './conversations.css';

/** How often a conversation the agent answers is read again, in ms. */
export const LIVE_REFRESH_MS = 4000;

export default function TranscriptPage({ params }: PageProps) {
  const id = params.conversationId ?? '';
  const agents = useAgents();
  const conversation = useLoad(async (): Promise<{
    conversation: ConversationWithMessages;
    lead: Lead | null;
  }> => {
    const read = await api().conversations.retrieve(id);
    const lead = read.leadId ? await api().leads.retrieve(read.leadId) : null;
    return { conversation: read, lead };
  }, [id, currentOrgId.value]);
  const reload = conversation.reload;
  const typing = useConversationChannel(id, shownOf(conversation.data?.conversation), reload);
  const active = conversation.data?.conversation.status === 'active';
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, reload]);

  if (conversation.status === 'error' && conversation.error instanceof NotFoundError) {
    return (
      <>
        <BackLink />
        <ErrorState error={new Error(t('transcript.notFound'))} />
      </>
    );
  }
  return (
    <>
      <BackLink />
      <Loaded load={conversation}>
        {({ conversation: c, lead }) => (
          <>
            <PageHeader title={t('transcript.title', { visitor: visitorLabel(c) })} />
            <p class="muted">
              {agentName(agents.data, c.agentId, t('conversations.deletedAgent'))} ·{' '}
              {formatDateTime(c.createdAt)} · <StatusBadge status={c.status} />
            </p>
            {c.status !== 'closed' && (
              <p class="muted live-note">{t(c.status === 'active' ? 'live.agent' : 'live.held')}</p>
            )}
            <div class="split transcript-split">
              <section aria-labelledby="transcript-log">
                <h2 id="transcript-log" class="visually-hidden">
                  {t('transcript.log')}
                </h2>
                <div role="log" aria-label={t('transcript.log')}>
                  <ol class="transcript">
                    {c.messages.map((message) => (
                      <MessageItem key={message.id} message={message} />
                    ))}
                  </ol>
                </div>
                <p class="muted typing-note" aria-live="polite" data-testid="typing">
                  {typing &&
                    (typing.role === 'user'
                      ? t('live.visitorTyping')
                      : t('live.typing', { name: typing.name ?? t('transcript.operator') }))}
                </p>
              </section>
              <div>
                {c.status !== 'closed' && <OperatorPanel conversation={c} onChange={reload} />}
                <VisitorCard conversation={c} />
                <section class="card" aria-labelledby="transcript-lead">
                  <h2 id="transcript-lead">{t('transcript.lead')}</h2>
                  {lead ? (
                    <LeadSummary lead={lead} onChange={reload} />
                  ) : (
                    <p class="muted">{t('transcript.noLead')}</p>
                  )}
                </section>
              </div>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

/** What the page shows, for the live channel to tell news from a replay. */
function shownOf(c: ConversationWithMessages | undefined): Shown | null {
  if (!c) return null;
  return {
    messageIds: new Set(c.messages.map((m) => m.id)),
    status: c.status,
    assignee: c.handoff?.assignee?.name ?? null,
  };
}

function BackLink() {
  return (
    <p>
      <Link href="/conversations">← {t('transcript.back')}</Link>
    </p>
  );
}

/** What to tell about how a reply ended, or null when it simply finished. */
export function replyNote(
  message: Pick<Message, 'role' | 'status' | 'finishReason' | 'content'>,
): string | null {
  if (message.role !== 'assistant') return null;
  if (message.status === 'interrupted')
    return message.content
      ? t('transcript.interrupted')
      : `${t('transcript.noReply')} ${t('transcript.interrupted')}`;
  if (message.finishReason === 'length') return t('transcript.length');
  if (message.finishReason === 'content_filter') return t('transcript.filtered');
  return null;
}

function MessageItem({ message }: { message: Message }) {
  const note = replyNote(message);
  const visitor = message.role === 'user';
  const who = message.author
    ? `${t('transcript.operator')} ${message.author.name}`
    : t(visitor ? 'transcript.you' : 'transcript.agent');
  return (
    <li class={`transcript-message ${visitor ? 'from-visitor' : 'from-agent'}${note ? ' has-note' : ''}`}>
      <div class="transcript-meta">
        <strong>{who}</strong> <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
        {message.usage && (
          <span class="muted">
            {' · '}
            {t('transcript.tokens', {
              input: formatNumber(message.usage.inputTokens),
              output: formatNumber(message.usage.outputTokens),
            })}
          </span>
        )}
      </div>
      {message.content && <p class="transcript-text">{message.content}</p>}
      {note && (
        <p class="transcript-note" data-testid="reply-note">
          {note}
        </p>
      )}
    </li>
  );
}

function VisitorCard({ conversation }: { conversation: ConversationWithMessages }) {
  const { visitor, metadata } = conversation;
  const details: [string, string][] = [
    [t('transcript.name'), visitor.name ?? ''],
    [t('transcript.email'), visitor.email ?? ''],
    [t('transcript.phone'), visitor.phone ?? ''],
  ].filter(([, value]) => value) as [string, string][];
  const pageDetails = Object.entries(metadata);
  return (
    <section class="card" aria-labelledby="transcript-visitor">
      <h2 id="transcript-visitor">{t('transcript.visitor')}</h2>
      {details.length === 0 && <p class="muted">{t('transcript.nothingKnown')}</p>}
      {details.length > 0 && (
        <dl class="details">
          {details.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {pageDetails.length > 0 && (
        <>
          <h3>{t('transcript.metadata')}</h3>
          <dl class="details">
            {pageDetails.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{String(value)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
