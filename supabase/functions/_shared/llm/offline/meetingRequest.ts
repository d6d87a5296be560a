// Whether a visitor asks for a meeting ("Can we book a demo?", "Запишите меня на звонок"): the offline responder
// then offers meeting times when the organisation's calendar is connected, as a model would through find_slots.
const PATTERNS: RegExp[] = [
  /\b(book|schedule|arrange|set up)\b.{0,30}\b(call|meeting|demo|appointment|consultation|slot)\b/i,
  /\b(call|meeting|demo|appointment)\b.{0,20}\b(book|schedule)\b/i,
  /\bbook a (call|meeting|demo)\b/i,
  /\b(free|available) (slots?|times?)\b/i,
  /\bwhen (can|could) we (meet|talk)\b/i,
  /(запис|заброни|назнач|договор)\p{L}*.{0,30}(звон|встреч|демо|консультац|созвон)/iu,
  /(созвон|встреч)\p{L}*.{0,20}(можно|назнач|заброни|запис)/iu,
  /свободн\p{L}* (врем|слот|окн)/iu,
];

export function asksForMeeting(message: string): boolean {
  return PATTERNS.some((pattern) => pattern.test(message));
}
