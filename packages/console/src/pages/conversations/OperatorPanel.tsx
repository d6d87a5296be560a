// A person answers the visitor from the transcript (docs/handoff.md): take the conversation over, reply, hand it
// back to the agent or close it. Replying takes it over too; the agent is silent until it is handed back.
import type { ConversationWithMessages } from '@closer/contract';
import { useRef, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { ErrorState } from '../../ui/states.tsx';

/** How often typing is told while the operator writes, ms (the widget hides it after a few quiet seconds). */
const TYPING_EVERY_MS = 3000;

export function OperatorPanel({
  conversation,
  onChange,
}: {
  conversation: ConversationWithMessages;
  onChange: () => void;
}) {
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { id, status, handoff } = conversation;
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChange();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  // The visitor's widget shows that someone is typing: told at most every few seconds while the text changes.
  const lastTyping = useRef(0);
  const typed = (text: string) => {
    setReply(text);
    if (!text.trim() || status === 'closed' || Date.now() - lastTyping.current < TYPING_EVERY_MS) return;
    lastTyping.current = Date.now();
    api()
      .conversations.typing(id, { typing: true })
      .catch(() => undefined);
  };
  const stoppedTyping = () => {
    if (!lastTyping.current) return;
    lastTyping.current = 0;
    api()
      .conversations.typing(id, { typing: false })
      .catch(() => undefined);
  };
  const send = async (event: Event) => {
    event.preventDefault();
    if (reply.trim() && (await run(() => api().conversations.sendMessage(id, { content: reply })))) {
      setReply('');
      lastTyping.current = 0;
    }
  };
  return (
    <section class="card" aria-labelledby="operator-title">
      <h2 id="operator-title">{t('operator.title')}</h2>
      {status === 'handoff_requested' && handoff?.requestedAt && (
        <p>{t('operator.waiting', { time: formatDateTime(handoff.requestedAt) })}</p>
      )}
      {status === 'human' && handoff?.assignee && (
        <p>{t('operator.heldBy', { name: handoff.assignee.name })}</p>
      )}
      {error !== null && <ErrorState error={error} />}
      <form onSubmit={send}>
        <label for="operator-reply">{t('operator.reply')}</label>
        <textarea
          id="operator-reply"
          rows={3}
          maxLength={4000}
          value={reply}
          onInput={(e) => typed(e.currentTarget.value)}
          onBlur={stoppedTyping}
        />
        <p class="muted">{t('operator.hint')}</p>
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy || !reply.trim()}>
            {t('operator.send')}
          </button>
          {status !== 'human' && (
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => void run(() => api().conversations.claim(id))}
            >
              {t('operator.claim')}
            </button>
          )}
          {status !== 'active' && (
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => void run(() => api().conversations.release(id))}
            >
              {t('operator.release')}
            </button>
          )}
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => void run(() => api().conversations.close(id))}
          >
            {t('operator.close')}
          </button>
        </div>
      </form>
    </section>
  );
}
