// Tool calls put together from streamed pieces, as servers really send them: by `index` (a number, or a string
// holding one), by `id` alone (whole calls without an index), with arguments as text or as an object, and at
// times thousands of them. A reply keeps at most a few calls, each within a size a lead's fields fit in.

import { clipText } from '../text.ts';
import type { LlmToolCall } from './types.ts';

/** Calls kept from one round of the model; more are dropped (one lead needs one). */
export const MAX_TOOL_CALLS = 8;
/** Argument text kept per call, in characters (the capture_lead object fits in far less). */
const MAX_ARGUMENT_CHARS = 65_536;

interface ToolCallPiece {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

export class ToolCallAssembler {
  #calls = new Map<string, LlmToolCall>();
  #last: LlmToolCall | null = null;

  /** Adds one piece of `delta.tool_calls`; anything that is not a piece is ignored. */
  add(piece: unknown): void {
    if (typeof piece !== 'object' || piece === null) return;
    const part = piece as ToolCallPiece;
    const call = this.#callFor(part);
    if (!call) return;
    const id = part.id;
    if ((typeof id === 'string' && id !== '') || typeof id === 'number') call.id = clipText(String(id), 200);
    const fn = typeof part.function === 'object' && part.function !== null ? part.function : {};
    // Some servers repeat the whole name on every piece of a call; only a new piece is appended.
    if (typeof fn.name === 'string' && fn.name !== call.name) call.name = clipText(call.name + fn.name, 200);
    const args =
      typeof fn.arguments === 'string'
        ? fn.arguments
        : typeof fn.arguments === 'object' && fn.arguments !== null
          ? JSON.stringify(fn.arguments)
          : '';
    if (call.arguments.length < MAX_ARGUMENT_CHARS) call.arguments += clipText(args, MAX_ARGUMENT_CHARS);
    this.#last = call;
  }

  /** The calls in the order they began; a call the server sent without an id gets one. */
  calls(): LlmToolCall[] {
    return [...this.#calls.values()].map((call, i) => (call.id ? call : { ...call, id: `call_${i}` }));
  }

  /** The call a piece continues: by index; else by id; else the last one (or a first one). Null past the cap. */
  #callFor(part: ToolCallPiece): LlmToolCall | null {
    const index = indexOf(part.index);
    const id = typeof part.id === 'string' || typeof part.id === 'number' ? String(part.id) : '';
    let key: string;
    if (index !== null) key = `#${index}`;
    else if (id) {
      const known = [...this.#calls.entries()].find(([, call]) => call.id === clipText(id, 200));
      key = known ? known[0] : `id:${id}`;
    } else if (this.#last) return this.#last;
    else key = '#0';
    const existing = this.#calls.get(key);
    if (existing) return existing;
    if (this.#calls.size >= MAX_TOOL_CALLS) return null;
    const call = { id: '', name: '', arguments: '' };
    this.#calls.set(key, call);
    return call;
  }
}

function indexOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
}
