// The panel as the visitor sees it: a dialog with header, messages, typing indicator, alerts with retry, lead
// form and composer. The bubble belongs to the launcher (launcher/launcher.ts).
import type { LeadFields } from '@closer/contract';
import { useEffect, useRef } from 'preact/hooks';
import type { Failure } from '../chat/failure.ts';
import type { Strings } from '../i18n.ts';
import type { WidgetModel } from '../model.ts';
import { composition } from './composition.ts';
import { CloseIcon, EraseIcon, NewIcon, SendIcon, StopIcon } from './icons.tsx';
import { LeadForm } from './LeadForm.tsx';
import { MessageView } from './MessageView.tsx';

/** The server's limit on one message (MAX_MESSAGE_LENGTH in @closer/contract), kept here to stay small. */
const MAX_MESSAGE_LENGTH = 4000;
/** A name in its own direction inside a sentence of the widget's language (FSI … PDI, Unicode bidi isolates). */
const isolate = (name: string) => `\u2068${name}\u2069`;

export function App({ model }: { model: WidgetModel }) {
  const { session, strings, config } = model;
  const s = strings.value;
  const open = model.open.value || model.inline;
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  // Inline, the panel is there from the start and must not take the page's focus.
  const wasOpen = useRef(model.inline);
  const ime = useRef(composition());

  // Focus moves into the panel when it opens and back to the bubble when it closes.
  useEffect(() => {
    if (open && !wasOpen.current) input.current?.focus();
    if (!open && wasOpen.current) model.bubble?.focus();
    wasOpen.current = open;
  }, [open]);

  // Composition events have no `on…` properties, so Preact would listen for `CompositionEnd`: attach them here.
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    const { start, end } = ime.current;
    el.addEventListener('compositionstart', start);
    el.addEventListener('compositionend', end);
    return () => {
      el.removeEventListener('compositionstart', start);
      el.removeEventListener('compositionend', end);
    };
  }, [open]);

  // The live channel is open while the panel is, or while a person is involved (their reply must not be missed).
  useEffect(() => {
    session.live(Boolean(session.conversationId.value) && (open || session.handoff.value !== 'active'));
  }, [open, session.conversationId.value, session.handoff.value]);

  // The newest message stays in view as replies grow and as the lead form or an alert takes room, unless the
  // visitor has scrolled up to read.
  useEffect(() => {
    const el = log.current;
    if (!el) return;
    return stickToBottom(el);
  }, [open]);

  const title = config.value?.name ?? '';
  const userCount = session.messages.value.filter((m) => m.role === 'user').length;
  const leadForm = config.value?.leadForm;
  const failure = session.failure.value;
  const busy = session.phase.value !== 'idle';

  const submit = (event?: Event) => {
    event?.preventDefault();
    const el = input.current;
    if (!el || busy) return;
    const text = el.value;
    if (!text.trim()) return;
    el.value = '';
    void session.send(text);
  };

  return (
    <>
      {open && (
        <section
          class="panel"
          role="dialog"
          aria-modal="false"
          aria-labelledby="closer-title"
          id="closer-panel"
        >
          <header class="header">
            <h2 id="closer-title">{title ? s.chatWith(isolate(title)) : s.agent}</h2>
            <button
              type="button"
              class="icon"
              aria-label={s.newConversation}
              title={s.newConversation}
              onClick={() => {
                session.reset();
                input.current?.focus();
              }}
            >
              <NewIcon />
            </button>
            {session.conversationId.value && (
              <button
                type="button"
                class="icon"
                aria-label={s.erase}
                title={s.erase}
                onClick={() => {
                  if (confirm(s.eraseConfirm)) void session.erase();
                }}
              >
                <EraseIcon />
              </button>
            )}
            {!model.inline && (
              <button
                type="button"
                class="icon"
                aria-label={s.close}
                title={s.close}
                onClick={() => model.setOpen(false)}
              >
                <CloseIcon />
              </button>
            )}
          </header>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe: scrollable-region-focusable) */}
          <div class="log" ref={log} role="log" aria-live="off" aria-label={title || s.agent} tabIndex={0}>
            {config.value?.greeting && (
              <div class="msg assistant" data-greeting="" dir="auto">
                {config.value.greeting}
              </div>
            )}
            {session.messages.value.map((message) => (
              <MessageView key={message.id} message={message} strings={s} />
            ))}
            {(session.phase.value === 'waiting' || session.typing.value) && (
              <div class="typing" role="status" aria-label={s.typing}>
                <span />
                <span />
                <span />
              </div>
            )}
            {!busy && session.suggestions.value.length > 0 && (
              // biome-ignore lint/a11y/useSemanticElements: independent buttons, not form fields; a fieldset would need its borders undone in CSS
              <div class="starters suggestions" role="group" aria-label={s.suggested}>
                {session.suggestions.value.map((suggestion) => (
                  <button
                    key={suggestion.label}
                    type="button"
                    class="chip"
                    dir="auto"
                    onClick={() => {
                      input.current?.focus();
                      void session.choose(suggestion);
                    }}
                  >
                    {suggestion.label}
                  </button>
                ))}
              </div>
            )}
            {userCount === 0 && (config.value?.starterPrompts.length ?? 0) > 0 && (
              <div class="starters">
                {config.value!.starterPrompts.map((prompt) => (
                  <button
                    key={prompt}
                    type="button"
                    class="chip"
                    dir="auto"
                    onClick={() => void session.send(prompt)}
                  >
                    {prompt}
                  </button>
                ))}
              </div>
            )}
          </div>
          {failure && (
            <div class="alert" role="alert">
              <span>{failureText(s, failure)}</span>
              {failure.kind !== 'refused' && (
                <button type="button" onClick={() => void session.retry()} disabled={busy}>
                  {s.retry}
                </button>
              )}
            </div>
          )}
          {leadForm?.enabled && session.leadForm.value === 'open' && session.conversationId.value && (
            <LeadForm
              form={leadForm}
              strings={s}
              initial={model.visitor.value}
              onSubmit={(fields: LeadFields) => session.submitLead(fields)}
              onLater={() => {
                session.leadForm.value = 'hidden';
              }}
            />
          )}
          {session.leadForm.value === 'sent' && model.leadThanks.value && (
            <p class="thanks" role="status">
              {s.leadThanks}
            </p>
          )}
          {leadForm?.enabled &&
            session.leadForm.value === 'hidden' &&
            session.conversationId.value &&
            !busy && (
              <button
                type="button"
                class="chip footer-chip"
                onClick={() => (session.leadForm.value = 'open')}
              >
                {s.leadTitle}
              </button>
            )}
          <form class="composer" onSubmit={submit}>
            <label class="sr" for="closer-input">
              {s.placeholder}
            </label>
            <textarea
              id="closer-input"
              ref={input}
              rows={1}
              maxLength={MAX_MESSAGE_LENGTH}
              placeholder={s.placeholder}
              enterkeyhint="send"
              dir="auto"
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !ime.current.composing(e)) submit(e);
              }}
            />
            {busy ? (
              <button
                type="button"
                class="send"
                aria-label={s.stop}
                title={s.stop}
                onClick={() => session.stop()}
              >
                <StopIcon />
              </button>
            ) : (
              <button type="submit" class="send" aria-label={s.send} title={s.send}>
                <SendIcon />
              </button>
            )}
          </form>
        </section>
      )}
      <div class="sr" aria-live="polite" aria-atomic="true">
        {model.announcement.value}
      </div>
      <div class="sr" aria-live="polite" aria-atomic="true">
        {!busy && session.suggestions.value.length > 0
          ? `${s.suggested}: ${session.suggestions.value.map((x) => x.label).join(', ')}`
          : ''}
      </div>
    </>
  );
}

/** Keeps a scrolling element at its end while content grows or it shrinks, if it was at the end before. */
function stickToBottom(el: HTMLElement): () => void {
  let atEnd = true;
  const onScroll = () => {
    atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };
  const follow = () => {
    if (atEnd) el.scrollTop = el.scrollHeight;
  };
  follow();
  el.addEventListener('scroll', onScroll, { passive: true });
  const mutations = new MutationObserver(follow);
  mutations.observe(el, { childList: true, subtree: true, characterData: true });
  const sizes = typeof ResizeObserver === 'function' ? new ResizeObserver(follow) : null;
  sizes?.observe(el);
  return () => {
    el.removeEventListener('scroll', onScroll);
    mutations.disconnect();
    sizes?.disconnect();
  };
}

/** What the alert says of a failure, in the visitor's terms. */
function failureText(s: Strings, failure: Failure): string {
  switch (failure.kind) {
    case 'offline':
      return s.offline;
    case 'connection_lost':
      return s.connectionLost;
    case 'rate_limited':
      return s.rateLimited(failure.retryAfter ?? 30);
    case 'busy':
      return s.busy(failure.retryAfter ?? 10);
    case 'upstream':
      return s.upstream;
    case 'refused':
      return s.refused;
    default:
      return s.failed;
  }
}
