// One visitor's conversation as signals: the messages (a reply grows while it streams), whether the assistant
// is thinking or writing, what failed and how to retry, the lead form's state, and history across reloads.
// The visitor's words are never dropped: a message that could not be sent stays, marked, with a retry.
import type { ChatConfig, LeadFields } from '@closer/contract';
import type { ChatResource, ChatStream } from '@closer/sdk/chat';
import { batch, type Signal, signal } from '@preact/signals';
import { type Failure, failureOf, failureOfEvent } from './failure.ts';
import type { ConversationStore } from './persistence.ts';

export type MessageStatus = 'sending' | 'streaming' | 'complete' | 'interrupted' | 'failed';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  text: Signal<string>;
  status: Signal<MessageStatus>;
}

export type Phase = 'idle' | 'waiting' | 'streaming';

export interface SessionEvents {
  message: (message: { role: 'user' | 'assistant'; text: string }) => void;
  lead: (lead: { leadId: string; fields: Record<string, string | undefined> }) => void;
  error: (failure: Failure) => void;
}

export interface Session {
  messages: Signal<ChatMessage[]>;
  /** `waiting` until the first token (typing indicator), `streaming` while it flows. */
  phase: Signal<Phase>;
  failure: Signal<Failure | null>;
  conversationId: Signal<string | null>;
  /** The lead form: hidden, asked for (by the agent, the settings or the page), or done. */
  leadForm: Signal<'hidden' | 'open' | 'sent'>;
  send(text: string): Promise<void>;
  stop(): void;
  retry(): Promise<void>;
  /** Reads the saved conversation back (after a reload); false when there was none or it is gone. */
  restore(): Promise<boolean>;
  reset(): void;
  submitLead(fields: LeadFields): Promise<void>;
  /** Details the page already knows (`Closer.identify`), sent with the next message. */
  identify(visitor: { name?: string; email?: string; phone?: string }): void;
}

let nextLocalId = 0;
const localId = () => `local-${++nextLocalId}`;

/** Coalesces deltas to one write per frame: a long reply re-renders ~60 times a second, not once per token. */
const nextFrame = (fn: () => void) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(fn) : setTimeout(fn, 16);

export function createSession(options: {
  client: ChatResource;
  store: ConversationStore;
  config: Signal<ChatConfig | null>;
  emit: <K extends keyof SessionEvents>(event: K, ...args: Parameters<SessionEvents[K]>) => void;
}): Session {
  const { client, store, config, emit } = options;
  const saved = store.load();
  const messages = signal<ChatMessage[]>([]);
  const phase = signal<Phase>('idle');
  const failure = signal<Failure | null>(null);
  const conversationId = signal<string | null>(saved?.conversationId ?? null);
  const leadForm = signal<'hidden' | 'open' | 'sent'>('hidden');
  let visitorToken = saved?.visitorToken;
  let visitor: { name?: string; email?: string; phone?: string } | undefined;
  let current: ChatStream | null = null;
  let lastText: string | null = null;

  const message = (role: ChatMessage['role'], text: string, status: MessageStatus): ChatMessage => ({
    id: localId(),
    role,
    text: signal(text),
    status: signal(status),
  });
  const userMessageCount = () => messages.value.filter((m) => m.role === 'user').length;

  // Messages go one at a time: one sent while a reply is still streaming (Closer.send from the page) waits.
  let queue: Promise<void> = Promise.resolve();
  function send(text: string, replacing?: ChatMessage): Promise<void> {
    const run = queue.then(() => sendNow(text, replacing));
    queue = run.catch(() => undefined);
    return run;
  }

  async function sendNow(text: string, replacing?: ChatMessage) {
    const trimmed = text.trim();
    if (!trimmed) return;
    lastText = trimmed;
    const mine = replacing ?? message('user', trimmed, 'sending');
    const reply = message('assistant', '', 'streaming');
    batch(() => {
      mine.status.value = 'sending';
      failure.value = null;
      messages.value = [...messages.value.filter((m) => m !== mine), mine];
      phase.value = 'waiting';
    });
    emit('message', { role: 'user', text: trimmed });
    const stream = client.stream({
      message: trimmed,
      ...(conversationId.value ? { conversationId: conversationId.value } : {}),
      ...(visitorToken ? { visitorToken } : {}),
      ...(visitor ? { visitor } : {}),
    });
    current = stream;
    let pending = '';
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (pending) {
        reply.text.value += pending;
        pending = '';
      }
    };
    try {
      for await (const event of stream) {
        if (event.type === 'start') {
          batch(() => {
            mine.status.value = 'complete';
            conversationId.value = event.data.conversationId;
          });
          if (event.data.visitorToken) visitorToken = event.data.visitorToken;
          if (visitorToken) store.save({ conversationId: event.data.conversationId, visitorToken });
        } else if (event.type === 'delta') {
          if (phase.peek() === 'waiting') {
            batch(() => {
              messages.value = [...messages.value, reply];
              phase.value = 'streaming';
            });
          }
          pending += event.data.text;
          if (!scheduled) {
            scheduled = true;
            nextFrame(flush);
          }
        } else if (event.type === 'lead') {
          leadForm.value = 'sent';
          emit('lead', {
            leadId: event.data.leadId,
            fields: event.data.fields as Record<string, string | undefined>,
          });
        } else if (event.type === 'done') {
          flush();
          reply.status.value = 'complete';
        } else if (event.type === 'error') {
          flush();
          reply.status.value = 'interrupted';
          fail(failureOfEvent(event.data), mine);
        }
      }
      flush();
      // Stopped by the visitor: what arrived stays, marked as stopped.
      if (reply.status.value === 'streaming') reply.status.value = 'interrupted';
      if (reply.status.value === 'complete') {
        emit('message', { role: 'assistant', text: reply.text.value });
        const after = config.value?.leadForm;
        if (
          after?.enabled &&
          after.formAfterMessages > 0 &&
          userMessageCount() >= after.formAfterMessages &&
          leadForm.value === 'hidden'
        ) {
          leadForm.value = 'open';
        }
      }
    } catch (error) {
      flush();
      if (reply.text.value) reply.status.value = 'interrupted';
      else messages.value = messages.value.filter((m) => m !== reply);
      fail(failureOf(error), mine);
    } finally {
      current = null;
      phase.value = 'idle';
    }
  }

  function fail(what: Failure, mine: ChatMessage) {
    batch(() => {
      // Not accepted by the server: the message stays on screen, marked, and Retry sends it again.
      if (mine.status.value === 'sending') mine.status.value = 'failed';
      failure.value = what;
    });
    emit('error', what);
  }

  return {
    messages,
    phase,
    failure,
    conversationId,
    leadForm,
    send: (text) => send(text),
    stop: () => current?.abort(),
    async retry() {
      const failed = messages.value.findLast((m) => m.role === 'user' && m.status.value === 'failed');
      if (failed) return send(failed.text.value, failed);
      if (lastText) return send(lastText);
    },
    async restore() {
      const saved = store.load();
      if (!saved) return false;
      try {
        const history = await client.history(saved.conversationId, { visitorToken: saved.visitorToken });
        batch(() => {
          messages.value = history.messages
            .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content !== '')
            .map((m) =>
              message(
                m.role as 'user' | 'assistant',
                m.content,
                m.status === 'interrupted' ? 'interrupted' : 'complete',
              ),
            );
          conversationId.value = saved.conversationId;
          if (history.leadId) leadForm.value = 'sent';
        });
        visitorToken = saved.visitorToken;
        return true;
      } catch (error) {
        // Gone or no longer ours: start afresh. Offline: keep it for the next load.
        if (failureOf(error).kind !== 'offline') store.clear();
        return false;
      }
    },
    reset() {
      current?.abort();
      store.clear();
      visitorToken = undefined;
      lastText = null;
      batch(() => {
        messages.value = [];
        conversationId.value = null;
        failure.value = null;
        leadForm.value = 'hidden';
      });
    },
    async submitLead(fields) {
      const id = conversationId.value;
      if (!id) throw new Error('Send a message before the lead form');
      const lead = await client.submitLead({
        conversationId: id,
        fields,
        ...(visitorToken ? { visitorToken } : {}),
      });
      leadForm.value = 'sent';
      emit('lead', { leadId: lead.id, fields: fields as Record<string, string | undefined> });
    },
    identify(details) {
      visitor = { ...visitor, ...details };
    },
  };
}
