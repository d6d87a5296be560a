// What a Salesbot `widget_request` step POSTs: `{ token, data, return_url }`. `data` is what the step was told to
// send (the bot JSON from setup.ts fills it from Kommo's placeholders, every value a string); `return_url` is
// where the bot waits for its continue — accepted only on the account's own host, since the account's access
// token goes with it.
import * as z from 'zod/mini';
import { ApiError } from '../../http/errors.ts';
import { sanitizeJson } from '../../text.ts';
import type { KommoConfig } from '../config.ts';
import { accountUrl } from '../tokens.ts';

const text = (max: number) => z.optional(z.string().check(z.maxLength(max)));
const idText = z.optional(z.union([z.string().check(z.regex(/^\d{0,18}$/)), z.number()]));

/** `data` of the widget step; unknown keys are kept out of the conversation. */
export const salesbotData = z.looseObject({
  /** The customer's message (`{{message_text}}`). */
  message: text(20_000),
  lead_id: idText,
  contact_id: idText,
  contact_name: text(200),
  /** The messenger (`{{origin}}`): waba, telegram, instagram_business, onlinechat, … */
  origin: text(60),
  talk_id: idText,
  /** Kommo's id of the message, when the step sends it; otherwise the continue id stands for it. */
  message_id: text(100),
});

export const salesbotRequest = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(8000)),
  data: z._default(salesbotData, {}),
  return_url: z.string().check(z.maxLength(2000)),
});
export type SalesbotRequest = z.output<typeof salesbotRequest>;

/**
 * `data` with NUL characters and lone surrogates removed, keys included (a messenger cutting an emoji in half
 * sends one; no person wrote either). The customer's message is kept rather than refused: Kommo does not show a
 * refusal to anyone.
 */
export const storableData = sanitizeJson;

/** Where to continue the bot: a path on the account (`/api/v4/salesbot/{bot_id}/continue/{continue_id}`). */
export interface ContinueTarget {
  path: string;
  botId: number;
  continueId: number;
}

const CONTINUE_PATH = /^\/api\/v4\/(salesbot|marketingbot)\/(\d{1,18})\/continue\/(\d{1,18})$/;

/** 400 unless `returnUrl` is the continue method of the account the token names. */
export function continueTarget(returnUrl: string, config: KommoConfig, subdomain: string): ContinueTarget {
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    throw new ApiError('bad_request', 'return_url is not a URL');
  }
  const match = CONTINUE_PATH.exec(url.pathname);
  if (url.origin !== accountUrl(config, subdomain) || !match || url.search || url.username) {
    throw new ApiError(
      'bad_request',
      `return_url must be ${accountUrl(config, subdomain)}/api/v4/salesbot/{bot_id}/continue/{continue_id}`,
    );
  }
  return { path: url.pathname, botId: Number(match[2]), continueId: Number(match[3]) };
}

/** A Kommo id sent as text or number; null when absent or not an id. */
export function kommoIdOf(value: string | number | undefined): number | null {
  const n = typeof value === 'string' ? (value === '' ? Number.NaN : Number(value)) : (value ?? Number.NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
