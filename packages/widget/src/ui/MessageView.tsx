// One message: the visitor's as plain text, the assistant's through the safe markdown subset.
import type { ChatMessage } from '../chat/session.ts';
import type { Strings } from '../i18n.ts';
import { renderMarkdown } from './markdown.ts';

export function MessageView({ message, strings }: { message: ChatMessage; strings: Strings }) {
  const status = message.status.value;
  const mine = message.role === 'user';
  return (
    <div class={`msg ${message.role}`} data-status={status}>
      <span class="sr">{mine ? strings.you : strings.agent}: </span>
      {mine ? message.text.value : renderMarkdown(message.text.value)}
      {status === 'interrupted' && <div class="note">{strings.interrupted}</div>}
      {status === 'failed' && <div class="note">{strings.failed}</div>}
    </div>
  );
}
