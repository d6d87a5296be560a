// Greetings, thanks and acknowledgements carry no topic: retrieval leaves them out of what it searches, and a
// message made of nothing else ("hi", "привет", "ok thanks") is not searched at all.

const SMALL_TALK_WORDS = new Set(
  [
    // English
    'hi hello hey heya hiya howdy yo greetings thanks thank thx ty cheers ok okay k kk alright bye goodbye',
    'cya later yes yeah yep yup no nope nah sure please pls plz great cool nice awesome perfect wow lol hmm',
    'there you very much so lot again',
    // Russian
    'привет приветик приветствую здравствуйте здравствуй здрасте спасибо спасибки благодарю большое огромное',
    'ок окей хорошо ладно понятно ясно пока ага угу да нет пожалуйста супер отлично класс',
  ]
    .join(' ')
    .split(' '),
);

// "good" and "morning" mean something on their own ("good for a flat roof?", "morning installs?"), and so do
// "день" and "утро": only the greeting phrases are small talk.
const GREETING_PHRASES =
  /(?<![\p{L}\p{N}])(?:good\s+(?:morning|afternoon|evening|day|night)|добр(?:ый|ое|ого|ой)\s+(?:день|дня|вечер|вечера|утро|утра|ночи)|до\s+свидания)(?![\p{L}\p{N}])/giu;

/**
 * The words of `message` worth searching, small talk removed, in their order; an empty string when nothing is
 * left (a greeting, a thank-you, an "ok"), in which case retrieval runs no query at all.
 */
export function searchableText(message: string): string {
  const words = message
    .replace(GREETING_PHRASES, ' ')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu);
  return (words ?? []).filter((word) => !SMALL_TALK_WORDS.has(word)).join(' ');
}

/** Whether `message` is only small talk (nothing for retrieval to search). */
export function isSmallTalk(message: string): boolean {
  return searchableText(message) === '';
}
