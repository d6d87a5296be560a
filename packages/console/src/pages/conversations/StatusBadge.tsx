// A conversation's state as a badge: with the agent, waiting for a person, with a person, closed.
import type { Conversation } from '@closer/contract';
import { t } from '../../i18n/messages.ts';

export function StatusBadge({ status }: { status: Conversation['status'] }) {
  return (
    <span
      class={status === 'closed' ? 'badge badge-paused' : status === 'active' ? 'badge' : 'badge badge-lead'}
    >
      {t(`conversations.${status}`)}
    </span>
  );
}
