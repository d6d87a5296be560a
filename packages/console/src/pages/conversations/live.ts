// The conversations pages follow the API's live channels (docs/handoff.md) instead of asking again: one
// conversation's (`chat.events`, as a member) and the organisation's (`conversations.events`). The SDK reconnects
// and resumes with Last-Event-ID; leaving the page (or changing what is followed) aborts the channel.
import type { ConversationEvent, OrganizationEvent } from '@closer/contract';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';

type Typing = Extract<ConversationEvent, { type: 'typing' }>['data'];

/** Hands each event of an SDK live channel to `on` until the component leaves (or `deps` change). */
function useChannel<E>(
  open: (() => AsyncIterable<E> & { abort(): void }) | null,
  on: (event: E) => void,
  deps: unknown[],
) {
  const handler = useRef(on);
  handler.current = on;
  useEffect(() => {
    if (!open) return;
    const channel = open();
    void (async () => {
      for await (const event of channel) handler.current(event);
    })().catch(() => {
      // Refused for good (signed out, gone): the page's own reads show why.
    });
    return () => channel.abort();
  }, deps);
}

type Stored = Exclude<ConversationEvent, { type: 'typing' }>;
type StateData = Extract<ConversationEvent, { type: 'state' }>['data'];

/** What the page shows: the messages' ids and who holds the conversation. */
export interface Shown {
  messageIds: ReadonlySet<string>;
  status: string;
  assignee: string | null;
}

/** Whether a stored message event is something the page does not show yet. */
export const isNewMessage = (event: Stored, shown: Shown) =>
  event.type === 'message' && !shown.messageIds.has(event.data.messageId);

/** Whether the conversation's latest state differs from the one shown. */
export const isNewState = (state: StateData, shown: Shown) =>
  state.status !== shown.status || (state.assignee?.name ?? null) !== shown.assignee;

/**
 * One conversation's channel, opened once the page has read the conversation (`shown`): `onNews` when it has
 * something the page does not show (a new message, a changed state), and who is typing (null when nobody). The
 * channel replays the conversation's events when it opens: messages already shown are skipped, and states are
 * judged by the last of a burst, so opening costs no read, and whatever happened since the read is news.
 */
export function useConversationChannel(
  conversationId: string,
  shown: Shown | null,
  onNews: () => void,
): Typing | null {
  const [typing, setTyping] = useState<Typing | null>(null);
  const clear = useRef<ReturnType<typeof setTimeout>>();
  const settle = useRef<ReturnType<typeof setTimeout>>();
  const current = useRef(shown);
  current.current = shown;
  useChannel<ConversationEvent>(
    conversationId && shown ? () => api().chat.events(conversationId) : null,
    (event) => {
      if (event.type === 'state') {
        clearTimeout(settle.current);
        settle.current = setTimeout(
          () => current.current && isNewState(event.data, current.current) && onNews(),
          STATE_SETTLE_MS,
        );
        return;
      }
      if (event.type === 'message') {
        if (current.current && isNewMessage(event, current.current)) {
          setTyping(null);
          onNews();
        }
        return;
      }
      clearTimeout(clear.current);
      setTyping(event.data.typing ? event.data : null);
      // A typing indicator nobody turns off (a closed tab) goes by itself.
      if (event.data.typing) clear.current = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
    },
    [conversationId, currentOrgId.value, shown !== null],
  );
  useEffect(
    () => () => {
      clearTimeout(clear.current);
      clearTimeout(settle.current);
    },
    [],
  );
  return typing;
}

/** How long a burst of state events (a replay) is waited out before the last one is compared, ms. */
const STATE_SETTLE_MS = 150;

/** How long a typing indicator stays without news, ms. */
export const TYPING_SHOWN_MS = 8000;

/**
 * Every conversation's stored events of the organisation, from now on; `onOpen` each time the server answers
 * (read the list again there: nothing falls between the list and the channel).
 */
export function useOrganizationChannel(on: (event: OrganizationEvent) => void, onOpen: () => void): void {
  const opened = useRef(onOpen);
  opened.current = onOpen;
  useChannel<OrganizationEvent>(() => api().conversations.events({ onOpen: () => opened.current() }), on, [
    currentOrgId.value,
  ]);
}

/** The current time, updated every `everyMs` (for waiting times that tick). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A waiting time as `m:ss`, or `h:mm:ss` from an hour on. */
export function formatWaiting(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The same as an ISO 8601 duration, for `<time dateTime>`. */
export const isoDuration = (ms: number) => `PT${Math.max(0, Math.floor(ms / 1000))}S`;
