// The agent's reply as Salesbot handlers, within the continue method's limits: at most 10 handlers, `show` text
// at most 80 characters. A short reply becomes `show` handlers cut at sentence (else word) boundaries; a long one
// travels as `data.reply` and the bot's next step (setup.ts) sends it as one message.
export const SHOW_MAX_CHARS = 80;
export const MAX_HANDLERS = 10;

export type SalesbotHandler =
  | { handler: 'show'; params: { type: 'text'; value: string } }
  | { handler: 'goto'; params: { type: 'question' | 'answer' | 'finish'; step: number } };

export interface ContinueBody {
  data: Record<string, string>;
  execute_handlers: SalesbotHandler[];
}

/** The bot's steps (setup.ts): 0 asks Closer, 1 sends `{{json.reply}}`; both then wait for the next message. */
export const ASK_STEP = 0;
export const LONG_REPLY_STEP = 1;

export interface ReplyShape {
  /** `show` handlers while the reply fits (default), or always one `data.reply` message. */
  mode: 'auto' | 'data';
  /** At most this many `show` handlers before the reply goes as `data.reply` (1–9, default 4). */
  maxShows: number;
}

export const DEFAULT_REPLY_SHAPE: ReplyShape = { mode: 'auto', maxShows: 4 };

/** Splits `text` into pieces of at most `max` characters, at sentence ends where possible, else at spaces. */
export function splitAtSentences(text: string, max = SHOW_MAX_CHARS): string[] {
  const sentences = text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?…;:])\s+/u)
    .filter(Boolean);
  const pieces: string[] = [];
  let current = '';
  const push = (piece: string) => {
    if (!current) current = piece;
    else if (current.length + 1 + piece.length <= max) current += ` ${piece}`;
    else {
      pieces.push(current);
      current = piece;
    }
  };
  for (const sentence of sentences) {
    if (sentence.length <= max) push(sentence);
    else for (const part of wrapWords(sentence, max)) push(part);
  }
  if (current) pieces.push(current);
  return pieces;
}

/** A sentence longer than `max`: cut at spaces (a word longer than `max` is cut where it must be). */
function wrapWords(sentence: string, max: number): string[] {
  const parts: string[] = [];
  let line = '';
  for (const word of sentence.split(' ')) {
    for (const chunk of chunks(word, max)) {
      if (!line) line = chunk;
      else if (line.length + 1 + chunk.length <= max) line += ` ${chunk}`;
      else {
        parts.push(line);
        line = chunk;
      }
    }
  }
  if (line) parts.push(line);
  return parts;
}

/** `word` in pieces of at most `max` UTF-16 units, never splitting a code point. */
function chunks(word: string, max: number): string[] {
  const out: string[] = [];
  let piece = '';
  for (const ch of word) {
    if (piece.length + ch.length > max) {
      out.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) out.push(piece);
  return out;
}

/** The continue body that says `reply` in the chat, then lets the bot wait for the customer's next message. */
export function replyContinue(reply: string, shape: ReplyShape = DEFAULT_REPLY_SHAPE): ContinueBody {
  const pieces = splitAtSentences(reply);
  const max = Math.min(Math.max(shape.maxShows, 1), MAX_HANDLERS - 1);
  if (shape.mode === 'auto' && pieces.length <= max && pieces.every((p) => p.length <= SHOW_MAX_CHARS)) {
    return {
      data: { status: 'answered' },
      execute_handlers: pieces.map((value) => ({ handler: 'show', params: { type: 'text', value } })),
    };
  }
  return {
    data: { status: 'answered', reply: reply.trim() },
    execute_handlers: [{ handler: 'goto', params: { type: 'question', step: LONG_REPLY_STEP } }],
  };
}

/** The agent stays quiet (a person has the talk): the bot just waits for the next message. */
export const silentContinue = (): ContinueBody => ({ data: { status: 'paused' }, execute_handlers: [] });
