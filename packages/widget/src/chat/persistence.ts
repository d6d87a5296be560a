// The visitor's conversation across page loads: its id and visitor token in localStorage, one per agent key.
// Storage may be missing or refused (private modes, sandboxed frames): the chat then lives for the page only.

export interface SavedConversation {
  conversationId: string;
  visitorToken: string;
}

export interface ConversationStore {
  load(): SavedConversation | null;
  save(saved: SavedConversation): void;
  clear(): void;
}

export function localConversationStore(
  publishableKey: string,
  storage = safeLocalStorage(),
): ConversationStore {
  const key = `closer:${publishableKey.slice(0, 48)}`;
  return {
    load() {
      try {
        const saved = JSON.parse(storage?.getItem(key) ?? 'null') as Partial<SavedConversation> | null;
        return typeof saved?.conversationId === 'string' && typeof saved.visitorToken === 'string'
          ? { conversationId: saved.conversationId, visitorToken: saved.visitorToken }
          : null;
      } catch {
        return null;
      }
    },
    save(saved) {
      try {
        storage?.setItem(key, JSON.stringify(saved));
      } catch {
        // Full or refused: keep going without persistence.
      }
    },
    clear() {
      try {
        storage?.removeItem(key);
      } catch {
        // As above.
      }
    },
  };
}

function safeLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
