// One visitor's conversation as signals: the messages (a reply grows while it streams), whether the assistant
// is thinking or writing, what failed and how to retry, the lead form's state, and history across reloads.
// The visitor's words are never dropped: a message that could not be sent stays, marked, with a retry.
// Tabs of one site share one conversation: a tab adopts the newest stored one before sending, follows the others
// through `storage` events (their messages show here too) and never writes back an older one.
import type { ChatAction, ChatConfig, ChatSuggestion, LeadFields } from '@closer/contract';
import type { ChatResource, ChatStream, ConversationEvents } from '@closer/sdk/chat';
import { batch, type Signal, signal } from '@preact/signals';
import { type Failure, failureOf, failureOfEvent, isGone, ownerNote } from './failure.ts';
import type { ConversationStore, SavedConversation } from './persistence.ts';

/** `stopped`: the visitor stopped the reply; `interrupted`: the connection or the model cut it short. */
export type MessageStatus = 'sending' | 'streaming' | 'complete' | 'stopped' | 'interrupted' | 'failed';

export interface ChatMessage {
  id: string;
  /** `operator`: a person of the company answering (docs/handoff.md). */
  role: 'user' | 'assistant' | 'operator';
  text: Signal<string>;
  status: Signal<MessageStatus>;
  /** Who answers, on operator messages: a name and an optional https picture. */
  author?: { name: string; avatarUrl: string | null } | undefined;
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
  /** Quick replies offered under the last reply (the `suggestions` event); cleared by the next message. */
  suggestions: Signal<ChatSuggestion[]>;
  send(text: string): Promise<void>;
  /** A suggestion picked: its text sent with its action, or (`leave_contact`) the contact form opened. */
  choose(suggestion: ChatSuggestion): Promise<void>;
  stop(): void;
  /** Stops following the other tabs and aborts what is in flight (the widget is being removed). */
  dispose(): void;
  retry(): Promise<void>;
  /** Reads the saved conversation back (after a reload); false when there was none or it is gone. */
  restore(): Promise<boolean>;
  reset(): void;
  /** Erases the conversation on the server (messages, lead), then starts afresh; a failure is shown. */
  erase(): Promise<void>;
  submitLead(fields: LeadFields): Promise<void>;
  /** Details the page already knows (`Closer.identify`), sent with the next message. */
  identify(visitor: { name?: string; email?: string; phone?: string }): void;
  /** The conversation's state: `handoff_requested` or `human` while a person is involved. */
  handoff: Signal<string>;
  /** An operator is typing. */
  typing: Signal<boolean>;
  /** Follows the live channel (operator messages, typing, state) while `on`; off closes it. */
  live(on: boolean): void;
}

let nextLocalId = 0;
const localId = () => `local-${++nextLocalId}`;

/**
 * Coalesces deltas: at most one write per frame and per FLUSH_MS, so a long reply re-renders ~20 times a second
 * (each render lays out the whole reply), not once per token, and a slow phone is not kept busy by the stream.
 */
const FLUSH_MS = 50;
const nextFrame = (fn: () => void) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(fn) : setTimeout(fn, 16);
const afterAtLeast = (ms: number, fn: () => void) =>
  ms > 0 ? setTimeout(() => nextFrame(fn), ms) : nextFrame(fn);

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
  const suggestions = signal<ChatSuggestion[]>([]);
  // Meeting times are offered in the visitor's own zone.
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  let visitorToken = saved?.visitorToken;
  let visitor: { name?: string; email?: string; phone?: string } | undefined;
  let current: ChatStream | null = null;
  let stoppedByVisitor = false;
  let lastText: string | null = null;
  let lastAction: ChatAction | undefined;
  /** A stored conversation whose history a passing failure kept from loading; it is read again before sending. */
  let unloaded: string | null = null;
  /** Another tab changed the conversation while this one was busy: follow it once idle. */
  let behind = false;
  /** The stored state this tab shows (`store.changedAt()` when it last saved, loaded or cleared). */
  let known = store.changedAt();

  const handoff = signal('active');
  const typing = signal(false);
  let channel: ConversationEvents | null = null;
  let channelId: string | null = null;
  const message = (
    role: ChatMessage['role'],
    text: string,
    status: MessageStatus,
    id = localId(),
    author?: ChatMessage['author'],
  ): ChatMessage => ({ id, role, text: signal(text), status: signal(status), author });

  /** Operator messages arrive here; one already shown (the history after a reload) is not shown twice. */
  function live(on: boolean) {
    const id = conversationId.peek();
    if (channel && (!on || channelId !== id)) {
      channel.abort();
      channel = null;
    }
    if (!on || !id || channel) return;
    const events = client.events(id, visitorToken ? { visitorToken } : {});
    channel = events;
    channelId = id;
    void (async () => {
      for await (const event of events) {
        if (event.type === 'typing') typing.value = event.data.typing;
        else if (event.type === 'state') handoff.value = event.data.status;
        else if (event.data.role !== 'user' && !messages.peek().some((m) => m.id === event.data.messageId)) {
          // An operator's message, or one the server wrote as the agent's (nobody picked up, with the lead form).
          const data = event.data;
          batch(() => {
            typing.value = false;
            messages.value = [
              ...messages.value,
              data.role === 'operator'
                ? message('operator', data.content, 'complete', data.messageId, data.author)
                : message('assistant', data.content, 'complete', data.messageId),
            ];
            suggestions.value = (data.suggestions ?? []).slice(0, 4);
          });
          // The page's `message` listeners and the unread badge hear it as the company's answer.
          emit('message', { role: 'assistant', text: data.content });
        }
      }
    })().catch(() => undefined);
  }
  const userMessageCount = () => messages.value.filter((m) => m.role === 'user').length;

  // Messages go one at a time: one sent while a reply is still streaming (Closer.send from the page) waits.
  let queue: Promise<void> = Promise.resolve();
  function send(text: string, replacing?: ChatMessage, action?: ChatAction): Promise<void> {
    const run = queue.then(() => sendNow(text, replacing, action));
    queue = run.catch(() => undefined);
    return run;
  }

  async function sendNow(text: string, replacing?: ChatMessage, action?: ChatAction) {
    const trimmed = text.trim();
    if (!trimmed) return;
    await adoptNewer(store.load());
    lastText = trimmed;
    lastAction = action;
    stoppedByVisitor = false;
    const startedAt = Date.now();
    const mine = replacing ?? message('user', trimmed, 'sending');
    const reply = message('assistant', '', 'streaming');
    batch(() => {
      mine.status.value = 'sending';
      failure.value = null;
      suggestions.value = [];
      messages.value = [...messages.value.filter((m) => m !== mine), mine];
      phase.value = 'waiting';
    });
    emit('message', { role: 'user', text: trimmed });
    const stream = client.stream({
      message: trimmed,
      ...(conversationId.value ? { conversationId: conversationId.value } : {}),
      ...(visitorToken ? { visitorToken } : {}),
      ...(visitor ? { visitor } : {}),
      ...(timeZone ? { timeZone } : {}),
      ...(action ? { action } : {}),
    });
    current = stream;
    let pending = '';
    let scheduled = false;
    let flushedAt = 0;
    const flush = () => {
      scheduled = false;
      flushedAt = performance.now();
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
          if (event.data.status) handoff.value = event.data.status;
          saveUnlessOlder(startedAt);
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
            afterAtLeast(flushedAt + FLUSH_MS - performance.now(), flush);
          }
        } else if (event.type === 'lead') {
          leadForm.value = 'sent';
          emit('lead', {
            leadId: event.data.leadId,
            fields: event.data.fields as Record<string, string | undefined>,
          });
        } else if (event.type === 'suggestions') {
          suggestions.value = event.data.suggestions.slice(0, 4);
        } else if (event.type === 'done') {
          flush();
          reply.status.value = 'complete';
          saveUnlessOlder(startedAt);
        } else if (event.type === 'error') {
          flush();
          reply.status.value = 'interrupted';
          fail(failureOfEvent(event.data), mine);
        }
      }
      flush();
      // Ended without `done`: stopped by the visitor, or cut short on the way; what arrived stays, marked.
      if (reply.status.value === 'streaming')
        reply.status.value = stoppedByVisitor ? 'stopped' : 'interrupted';
      if (reply.status.value === 'complete' && reply.text.value) {
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
      if (reply.text.value) reply.status.value = stoppedByVisitor ? 'stopped' : 'interrupted';
      else messages.value = messages.value.filter((m) => m !== reply);
      if (isGone(error) && conversationId.peek() && !reply.text.value) {
        // Erased on the server: what was on screen is gone too; the message starts a new conversation.
        current = null;
        startOver();
        return sendNow(trimmed, mine, action);
      }
      const note = ownerNote(error);
      if (note) console.error(note);
      if (!stoppedByVisitor) fail(failureOf(error), mine);
    } finally {
      current = null;
      phase.value = 'idle';
    }
    if (behind) await follow(store.load());
  }

  /** Saves this tab's conversation, unless another tab has since stored a different, newer one. */
  function saveUnlessOlder(startedAt: number) {
    const id = conversationId.peek();
    if (!id || !visitorToken) return;
    const stored = store.load();
    // Another conversation, or "New conversation" in another tab, since this message was sent: that one stands.
    if (stored?.conversationId !== id && store.changedAt() > startedAt) return;
    known = Math.max(Date.now(), store.changedAt() + 1);
    store.save({ conversationId: id, visitorToken, updatedAt: known });
  }

  /** Before sending: a conversation another tab stored and this tab does not show yet is the one to continue. */
  async function adoptNewer(stored: SavedConversation | null) {
    if (stored && stored.conversationId === unloaded) {
      // Its history could not be read when it was adopted: read it now, so the reply follows what was said.
      await load(stored);
      return;
    }
    if (!stored && conversationId.peek() && store.changedAt() > known) {
      // Another tab started a new conversation since this one last looked: so does this message.
      clearLocal();
      known = store.changedAt();
      return;
    }
    if (!stored || stored.conversationId === conversationId.peek()) {
      if (stored) visitorToken = stored.visitorToken;
      return;
    }
    await load(stored);
  }

  /** Another tab saved, sent into or cleared the conversation: show what it shows. */
  async function follow(stored: SavedConversation | null) {
    if (phase.peek() !== 'idle') {
      behind = true;
      return;
    }
    behind = false;
    if (stored) await load(stored);
    else if (conversationId.peek()) clearLocal();
    if (!stored) known = store.changedAt();
  }

  /** Reads a stored conversation's messages from the server; false when it is gone or no longer ours. */
  async function load(saved: SavedConversation): Promise<boolean> {
    try {
      const history = await client.history(saved.conversationId, { visitorToken: saved.visitorToken });
      // Messages this tab could not send stay on screen with their retry.
      const unsent = messages.peek().filter((m) => m.status.peek() === 'failed');
      batch(() => {
        messages.value = [
          ...history.messages
            .filter((m) => m.content !== '')
            .map((m) =>
              message(
                m.role,
                m.content,
                m.status === 'interrupted' ? 'interrupted' : 'complete',
                m.id,
                m.author,
              ),
            ),
          ...unsent,
        ];
        conversationId.value = saved.conversationId;
        handoff.value = history.status;
        leadForm.value = history.leadId ? 'sent' : leadForm.peek() === 'sent' ? 'hidden' : leadForm.peek();
      });
      visitorToken = saved.visitorToken;
      known = Math.max(known, saved.updatedAt);
      unloaded = null;
      return true;
    } catch (error) {
      // Gone or no longer ours (both a 404): start afresh. Anything else passes (offline, a lost connection, the
      // server failing or busy): keep it, and read it again before the next message is sent into it.
      if (!isGone(error)) {
        unloaded = saved.conversationId;
      } else if (store.load()?.conversationId === saved.conversationId) {
        store.clear();
      }
      return false;
    }
  }

  /** Forgets the conversation here and in the other tabs. */
  function startOver() {
    clearLocal();
    known = store.clear();
  }

  function clearLocal() {
    current?.abort();
    live(false);
    visitorToken = undefined;
    lastText = null;
    batch(() => {
      handoff.value = 'active';
      typing.value = false;
      messages.value = [];
      conversationId.value = null;
      failure.value = null;
      leadForm.value = 'hidden';
      suggestions.value = [];
    });
  }

  const unsubscribe = store.subscribe((stored) => void follow(stored));

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
    suggestions,
    send: (text) => send(text),
    choose(picked) {
      const type = picked.action?.type;
      if (type === 'leave_contact' && config.value?.leadForm.enabled) {
        suggestions.value = [];
        leadForm.value = 'open';
        return Promise.resolve();
      }
      const from = picked.action?.from;
      const action: ChatAction | undefined =
        type === 'book_slot' && picked.action?.start
          ? { type: 'book_slot', start: picked.action.start }
          : type === 'find_slots'
            ? { type: 'find_slots', ...(from ? { from } : {}) }
            : undefined;
      return send(picked.message ?? picked.label, undefined, action);
    },
    stop() {
      stoppedByVisitor = true;
      current?.abort();
    },
    dispose() {
      unsubscribe();
      current?.abort();
      live(false);
    },
    async retry() {
      const failed = messages.value.findLast((m) => m.role === 'user' && m.status.value === 'failed');
      if (failed) return send(failed.text.value, failed, lastAction);
      if (lastText) return send(lastText, undefined, lastAction);
    },
    async restore() {
      const saved = store.load();
      return saved ? load(saved) : false;
    },
    reset: startOver,
    async erase() {
      const id = conversationId.peek();
      if (!id) return;
      try {
        await client.erase(id, visitorToken ? { visitorToken } : {});
      } catch (error) {
        failure.value = failureOf(error);
        return;
      }
      startOver();
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
    handoff,
    typing,
    live,
  };
}
