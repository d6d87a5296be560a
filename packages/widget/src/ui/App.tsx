// The chat as the visitor sees it: a bubble (with unread badge) that opens a dialog panel — header, messages,
// typing indicator, alerts with retry, lead form, composer — or the panel alone in inline mode.
import type { LeadFields } from '@closer/contract';
import { useComputed, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { WidgetModel } from '../model.ts';
import { textOn } from './contrast.ts';
import { ChatIcon, CloseIcon, NewIcon, SendIcon, StopIcon } from './icons.tsx';
import { LeadForm } from './LeadForm.tsx';
import { MessageView } from './MessageView.tsx';

/** The server's limit on one message (MAX_MESSAGE_LENGTH in @closer/contract), kept here to stay small. */
const MAX_MESSAGE_LENGTH = 4000;

export function App({ model }: { model: WidgetModel }) {
  const { session, strings, config } = model;
  const s = strings.value;
  const open = model.open.value || model.inline;
  const bubble = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(open);
  const root = useRef<HTMLDivElement>(null);

  // Esc closes the panel from anywhere inside the widget.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && model.open.value && !model.inline) {
        e.stopPropagation();
        model.setOpen(false);
      }
    };
    const el = root.current;
    el?.addEventListener('keydown', onKey);
    return () => el?.removeEventListener('keydown', onKey);
  }, [model]);

  // Focus moves into the panel when it opens and back to the bubble when it closes.
  useEffect(() => {
    if (open && !wasOpen.current) input.current?.focus();
    if (!open && wasOpen.current) bubble.current?.focus();
    wasOpen.current = open;
  }, [open]);

  // Keep the newest message in view as replies grow.
  useSignalEffect(() => {
    const last = session.messages.value.at(-1);
    void last?.text.value;
    void session.phase.value;
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  });

  const title = config.value?.name ?? '';
  const theme = config.value?.theme;
  const classes = useComputed(() =>
    ['root', model.inline ? 'inline' : '', model.open.value ? 'open' : '', model.themeMode.value].join(' '),
  );
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
    <div
      class={classes}
      dir={model.rtl.value ? 'rtl' : 'ltr'}
      lang={model.locale.value}
      data-position={theme?.position ?? 'right'}
      // The agent's accent; a page can still override it with --closer-accent on the host element.
      style={
        theme
          ? { '--agent-accent': theme.accentColor, '--agent-accent-text': textOn(theme.accentColor) }
          : undefined
      }
      ref={root}
    >
      {open && (
        <section
          class="panel"
          role="dialog"
          aria-modal="false"
          aria-labelledby="closer-title"
          id="closer-panel"
        >
          <header class="header">
            <h2 id="closer-title">{title ? s.chatWith(title) : s.agent}</h2>
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
              <div class="msg assistant" data-greeting="">
                {config.value.greeting}
              </div>
            )}
            {session.messages.value.map((message) => (
              <MessageView key={message.id} message={message} strings={s} />
            ))}
            {session.phase.value === 'waiting' && (
              <div class="typing" role="status" aria-label={s.typing}>
                <span />
                <span />
                <span />
              </div>
            )}
            {userCount === 0 && (config.value?.starterPrompts.length ?? 0) > 0 && (
              <div class="starters">
                {config.value!.starterPrompts.map((prompt) => (
                  <button key={prompt} type="button" class="chip" onClick={() => void session.send(prompt)}>
                    {prompt}
                  </button>
                ))}
              </div>
            )}
          </div>
          {failure && (
            <div class="alert" role="alert">
              <span>
                {failure.kind === 'offline'
                  ? s.offline
                  : failure.kind === 'rate_limited'
                    ? s.rateLimited(failure.retryAfter ?? 30)
                    : failure.kind === 'upstream'
                      ? s.upstream
                      : s.failed}
              </span>
              <button type="button" onClick={() => void session.retry()} disabled={busy}>
                {s.retry}
              </button>
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
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
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
      {!model.inline && (
        <button
          type="button"
          class="bubble"
          ref={bubble}
          aria-label={
            model.open.value
              ? s.close
              : model.unread.value > 0
                ? `${s.open} (${s.unread(model.unread.value)})`
                : s.open
          }
          aria-expanded={model.open.value}
          aria-controls={model.open.value ? 'closer-panel' : undefined}
          onClick={() => model.setOpen(!model.open.value)}
        >
          {model.open.value ? <CloseIcon /> : <ChatIcon />}
          {!model.open.value && model.unread.value > 0 && (
            <span class="badge" aria-hidden="true">
              {model.unread.value}
            </span>
          )}
        </button>
      )}
      <div class="sr" aria-live="polite" aria-atomic="true">
        {model.announcement.value}
      </div>
    </div>
  );
}
