// Whether a visitor asks for a meeting ("Can we book a demo?", "Запишите меня на звонок"): the offline responder
// then offers meeting times when the organisation's calendar is connected, as a model would through find_slots.

// The Russian patterns are stems: a word holding one stem, then another stem within a few characters after that
// word (or later in the same word). Written as `(a)\p{L}*.{0,30}(b)` they took quadratic time on a message of
// repeated stems ("записзапис…": 0.6 s for 4,000 characters), so they are spelled out to be tried once a word:
// from the word's first stem only (a later one in the same word cannot match where the first does not), and with
// the second stem either inside the word or at most `gap` characters after its end, never both ways.
const BOOK = 'запис|заброни|назнач|договор';
const MEETING = 'звон|встреч|демо|консультац|созвон';
const MEET = 'созвон|встреч';
const ARRANGE = 'можно|назнач|заброни|запис';

const PATTERNS: RegExp[] = [
  /\b(book|schedule|arrange|set up)\b.{0,30}\b(call|meeting|demo|appointment|consultation|slot)\b/i,
  /\b(call|meeting|demo|appointment)\b.{0,20}\b(book|schedule)\b/i,
  /\bbook a (call|meeting|demo)\b/i,
  /\b(free|available) (slots?|times?)\b/i,
  /\bwhen (can|could) we (meet|talk)\b/i,
  new RegExp(
    `(?<!\\p{L})(?:(?!${BOOK})\\p{L})*(?:${BOOK})(?:\\p{L}*?(?:${MEETING})|\\p{L}*(?!\\p{L}).{0,30}?(?:${MEETING}))`,
    'iu',
  ),
  new RegExp(
    `(?<!\\p{L})(?:(?!${MEET})\\p{L})*(?:${MEET})(?:\\p{L}*?(?:${ARRANGE})|\\p{L}*(?!\\p{L}).{0,20}?(?:${ARRANGE}))`,
    'iu',
  ),
  /(?<!\p{L})(?:(?!свободн)\p{L})*свободн\p{L}* (?:врем|слот|окн)/iu,
];

export function asksForMeeting(message: string): boolean {
  return PATTERNS.some((pattern) => pattern.test(message));
}
