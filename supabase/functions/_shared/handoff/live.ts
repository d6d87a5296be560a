// Fan-out of live conversation events across server instances: each instance LISTENs once on one channel
// (Postgres LISTEN/NOTIFY; PGlite too) and wakes the open streams of the conversation a notification names.
// Stored events are re-read by each stream under its own claims (RLS decides); typing goes straight through.
import type { ConversationEvent } from '@closer/contract';
import type { Database, Queryable } from '../db/types.ts';

export const EVENTS_CHANNEL = 'closer_conversation_events';

type TypingData = Extract<ConversationEvent, { type: 'typing' }>['data'];

/** What a stream is woken with: re-read the stored events, or show typing. */
export type LiveNote = { type: 'stored' } | { type: 'typing'; data: TypingData };
type Listener = (note: LiveNote) => void;

interface Payload {
  /** Organisation id (stored events only). */
  o?: string;
  /** Conversation id. */
  c?: string;
  /** A stored event's id (the stream re-reads after its own last id). */
  i?: string | number;
  /** A typing note. */
  t?: TypingData;
}

export class LiveConversations {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Organisation-wide streams (the console's list), keyed by organisation id: stored events only. */
  private readonly organizations = new Map<string, Set<Listener>>();
  private started: Promise<void> | null = null;
  /** False until the LISTEN is established (or when it could not be): streams then re-read on a timer. */
  listening = false;

  constructor(private readonly db: Database) {}

  /** Calls `listener` for each note about the conversation until the returned function is called. */
  async subscribe(conversationId: string, listener: Listener): Promise<() => void> {
    const set = this.listeners.get(conversationId) ?? new Set<Listener>();
    this.listeners.set(conversationId, set);
    set.add(listener);
    await this.start();
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(conversationId) === set) this.listeners.delete(conversationId);
    };
  }

  /** Calls `listener` for each stored event of the organisation (any conversation) until unsubscribed. */
  async subscribeOrganization(orgId: string, listener: Listener): Promise<() => void> {
    const set = this.organizations.get(orgId) ?? new Set<Listener>();
    this.organizations.set(orgId, set);
    set.add(listener);
    await this.start();
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.organizations.get(orgId) === set) this.organizations.delete(orgId);
    };
  }

  /** Open subscriptions (the bench and tests read it). */
  get size(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    for (const set of this.organizations.values()) count += set.size;
    return count;
  }

  private start(): Promise<void> {
    if (!this.db.listen) return Promise.resolve();
    this.started ??= this.db
      .listen(
        EVENTS_CHANNEL,
        (payload) => this.dispatch(payload),
        () => {
          // (Re)established: anything notified while it was down is found by re-reading.
          this.listening = true;
          for (const set of [...this.listeners.values(), ...this.organizations.values()])
            for (const listener of set) listener({ type: 'stored' });
        },
      )
      .then(() => undefined)
      .catch((failure: unknown) => {
        // Streams still work, by re-reading on a timer; the next subscription tries again.
        this.listening = false;
        this.started = null;
        console.error(
          JSON.stringify({ level: 'warn', where: 'live channel listen', error: String(failure) }),
        );
      });
    return this.started;
  }

  private dispatch(text: string): void {
    let payload: Payload;
    try {
      payload = JSON.parse(text) as Payload;
    } catch {
      return;
    }
    const note: LiveNote = payload.t ? { type: 'typing', data: payload.t } : { type: 'stored' };
    const set = payload.c ? this.listeners.get(payload.c) : undefined;
    if (set) for (const listener of [...set]) listener(note);
    const organization = payload.o && !payload.t ? this.organizations.get(payload.o) : undefined;
    if (organization) for (const listener of [...organization]) listener(note);
  }
}

const hubs = new WeakMap<Database, LiveConversations>();

/** The instance's one hub for this database. */
export function liveConversations(db: Database): LiveConversations {
  const hub = hubs.get(db) ?? new LiveConversations(db);
  hubs.set(db, hub);
  return hub;
}

/** Tells every instance's streams of the conversation that someone is typing (not stored, not replayed). */
export async function notifyTyping(tx: Queryable, conversationId: string, data: TypingData): Promise<void> {
  await tx.query('select pg_notify($1, $2)', [
    EVENTS_CHANNEL,
    JSON.stringify({ c: conversationId, t: data }),
  ]);
}
