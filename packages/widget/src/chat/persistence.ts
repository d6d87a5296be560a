// The visitor's conversation across page loads and tabs: its id and visitor token in localStorage, one per agent
// key, stamped with when it last changed so tabs of one site can tell the newest apart and follow each other.
// "New conversation" (or erasing it) leaves a dated mark instead of nothing, so a tab that was streaming or missed
// the news can tell that the conversation it shows was ended after it last looked.
// Storage may be missing or refused (private modes, sandboxed frames): the chat then lives for the page only.

export interface SavedConversation {
  conversationId: string;
  visitorToken: string;
  /** When a tab last sent into it (ms since the epoch); 0 for entries written before tabs were tracked. */
  updatedAt: number;
}

export interface ConversationStore {
  load(): SavedConversation | null;
  /** When the stored state last changed (a save, or a clear): ms since the epoch; 0 when nothing is stored. */
  changedAt(): number;
  save(saved: SavedConversation): void;
  /** Forgets the conversation in every tab; returns when (ms since the epoch). */
  clear(): number;
  /** Calls `listener` when another tab saves or clears the conversation; returns the unsubscribe. */
  subscribe(listener: (saved: SavedConversation | null) => void): () => void;
}

export function localConversationStore(
  publishableKey: string,
  storage = safeLocalStorage(),
): ConversationStore {
  const key = `closer:${publishableKey.slice(0, 48)}`;
  return {
    load: () => parse(attempt(() => storage?.getItem(key)) ?? null),
    changedAt: () => stamp(attempt(() => storage?.getItem(key)) ?? null),
    save(saved) {
      attempt(() => storage?.setItem(key, JSON.stringify(saved)));
    },
    clear() {
      const clearedAt = Math.max(Date.now(), stamp(attempt(() => storage?.getItem(key)) ?? null) + 1);
      attempt(() => storage?.setItem(key, JSON.stringify({ clearedAt })));
      return clearedAt;
    },
    subscribe(listener) {
      // `storage` fires in the other tabs of the origin, never in the one that wrote.
      const onStorage = (event: StorageEvent) => {
        if (event.key === key && (!storage || event.storageArea === storage)) listener(parse(event.newValue));
      };
      globalThis.addEventListener?.('storage', onStorage);
      return () => globalThis.removeEventListener?.('storage', onStorage);
    },
  };
}

/** The time of a stored conversation or of the mark a clear left. */
function stamp(raw: string | null): number {
  try {
    const stored = JSON.parse(raw ?? 'null') as { updatedAt?: unknown; clearedAt?: unknown } | null;
    const at = stored?.updatedAt ?? stored?.clearedAt;
    return typeof at === 'number' ? at : 0;
  } catch {
    return 0;
  }
}

function parse(raw: string | null): SavedConversation | null {
  try {
    const saved = JSON.parse(raw ?? 'null') as Partial<SavedConversation> | null;
    return typeof saved?.conversationId === 'string' && typeof saved.visitorToken === 'string'
      ? {
          conversationId: saved.conversationId,
          visitorToken: saved.visitorToken,
          updatedAt: typeof saved.updatedAt === 'number' ? saved.updatedAt : 0,
        }
      : null;
  } catch {
    return null;
  }
}

/** Full, refused or missing storage: keep going without persistence. */
function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function safeLocalStorage(): Storage | null {
  return attempt(() => globalThis.localStorage) ?? null;
}
