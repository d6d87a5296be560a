// One message: the visitor's and an operator's (under their name) as plain text, the assistant's through the
// safe markdown subset. The text takes its
// direction from its own first letters (`dir="auto"`): a Hebrew or Arabic reply in an English widget reads
// right to left.
import type { ChatMessage } from '../chat/session.ts';
import type { Strings } from '../i18n.ts';
import { renderMarkdown } from './markdown.ts';

export function MessageView({ message, strings }: { message: ChatMessage; strings: Strings }) {
  const status = message.status.value;
  const mine = message.role === 'user';
  const author = message.author;
  return (
    <div class={`msg ${mine ? 'user' : 'assistant'}`} data-status={status}>
      {author ? (
        <div class="who" dir="auto">
          {author.avatarUrl && <img src={author.avatarUrl} alt="" />}
          {author.name}
        </div>
      ) : (
        <span class="sr">{mine ? strings.you : strings.agent}: </span>
      )}
      <div class="text" dir="auto">
        {mine || author ? message.text.value : renderMarkdown(message.text.value)}
      </div>
      {status === 'stopped' && <div class="note">{strings.stopped}</div>}
      {status === 'interrupted' && <div class="note">{strings.interrupted}</div>}
      {status === 'failed' && <div class="note">{strings.failed}</div>}
    </div>
  );
}
