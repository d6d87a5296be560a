// Turns one SSE message into a typed chat event. The chat entry stays free of zod (its size budget is 6 KB),
// so these guards check exactly the fields the SDK reads; the full client also runs the contract's schemas.
import type { ChatEvent, ChatEventType } from '@closer/contract';

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const guards: Record<ChatEventType, (d: Record<string, unknown>) => boolean> = {
  start: (d) => isString(d.conversationId) && isString(d.messageId),
  delta: (d) => isString(d.text),
  lead: (d) => isString(d.leadId) && isObject(d.fields),
  // Versions this SDK does not know are skipped like an unknown event (see toChatEvent).
  suggestions: (d) => Array.isArray(d.suggestions),
  done: (d) => isString(d.messageId) && isObject(d.usage),
  error: (d) => isString(d.code) && isString(d.message),
};

/** The event, or null for an event type this SDK does not know (newer servers may add some). */
export function toChatEvent(type: string | undefined, data: string): ChatEvent | null {
  const guard = guards[(type ?? '') as ChatEventType];
  if (!guard) return null;
  const parsed: unknown = JSON.parse(data);
  if (type === 'suggestions' && isObject(parsed) && parsed.version !== 1) return null;
  if (!isObject(parsed) || !guard(parsed)) throw new Error(`malformed "${type}" event`);
  return { type, data: parsed } as ChatEvent;
}
