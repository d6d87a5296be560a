// The model's visible text as it is relayed and stored: NUL and lone surrogates removed (Postgres refuses
// the first, JSON and UTF-8 mangle the second), and held under a character ceiling derived from maxTokens.
import { sanitizeText } from '../text.ts';

export { sanitizeText };

/**
 * Characters allowed per token of the agent's `maxTokens`. A token averages about 4 characters of English
 * and fewer in most other scripts; 8 leaves room for any honest reply and stops a runaway one.
 */
export const CHARS_PER_TOKEN = 8;
/** The most a stored message may hold (the `messages.content` check). */
export const MAX_REPLY_CHARS = 100_000;

/** The character ceiling of one reply: `maxTokens × 8`, at most 100,000. */
export function replyCharLimit(maxTokens: number): number {
  const tokens = Number.isFinite(maxTokens) && maxTokens > 0 ? Math.floor(maxTokens) : 1;
  return Math.min(MAX_REPLY_CHARS, tokens * CHARS_PER_TOKEN);
}

/**
 * The reply so far. `append` takes a raw piece from the model and answers the part to relay: sanitised, and
 * cut at the ceiling (after which `full` is true and everything else is dropped). A high surrogate at the end
 * of a piece is held back until the next piece shows whether its pair follows.
 */
export class ReplyText {
  #text = '';
  #held = '';
  #full = false;
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get text(): string {
    return this.#text;
  }

  /** True once the ceiling was reached: the caller ends the reply. */
  get full(): boolean {
    return this.#full;
  }

  append(raw: string): string {
    if (this.#full || raw === '') return '';
    let piece = this.#held + raw;
    this.#held = '';
    const last = piece.charCodeAt(piece.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#held = piece.slice(-1);
      piece = piece.slice(0, -1);
    }
    piece = sanitizeText(piece);
    const room = this.limit - this.#text.length;
    if (piece.length >= room) {
      this.#full = true;
      piece = piece.slice(0, room);
      // Never end on half a surrogate pair.
      const end = piece.charCodeAt(piece.length - 1);
      if (end >= 0xd800 && end <= 0xdbff) piece = piece.slice(0, -1);
    }
    this.#text += piece;
    return piece;
  }

  /** True when the reply holds something a visitor can read (not only spaces or invisible characters). */
  get visible(): boolean {
    return VISIBLE.test(this.#text);
  }
}

const VISIBLE = /[^\s\u200B-\u200D\u2060\uFEFF]/u;
