// The grammatical gender the offline responder speaks in, read from the agent's name and persona, for languages
// whose first person marks it (Russian: «я нашла» / «я нашёл»). Unknown: the phrases avoid gendered forms.

export type SpeakerGender = 'feminine' | 'masculine' | null;

// Russian male names ending in -а/-я, and names used for both.
const MASCULINE_IN_A = new Set([
  'никита',
  'илья',
  'фома',
  'кузьма',
  'лука',
  'савва',
  'данила',
  'гаврила',
  'миша',
  'дима',
  'петя',
  'ваня',
  'коля',
  'серёжа',
  'сережа',
  'лёша',
  'леша',
  'гоша',
  'паша',
  'витя',
  'толя',
  'слава',
  'юра',
  'вова',
  'костя',
  'стёпа',
  'степа',
  'федя',
  'гриша',
  'боря',
  'лёва',
  'лева',
]);
const EITHER = new Set(['саша', 'женя', 'валя', 'шура', 'sasha', 'zhenya']);
const FEMININE_IN_CONSONANT = new Set(['любовь', 'нинель', 'эсфирь', 'руфь', 'юдифь', 'рахиль']);

const FEMININE_WORDS =
  /(^|[^\p{L}])(девушка|женщина|консультантка|менеджерка|помощница|ассистентка|она)([^\p{L}]|$)/iu;
const MASCULINE_WORDS = /(^|[^\p{L}])(мужчина|парень|помощник|он)([^\p{L}]|$)/iu;
const FEMININE_EN = /\b(she|her|woman|girl)\b/i;
const MASCULINE_EN = /\b(he|him|his|man|guy)\b/i;

/**
 * The speaker's first name: introduced in the persona ("You are Maya, …", "Ты — Анна, …"), else the agent's name
 * when it starts with one ("Анна", "Maya from SunPeak", "Анна — студия …"); "" when neither tells.
 */
function firstName(name: string, persona: string): string {
  const introduced = persona.match(
    /(?:[Yy]ou are|I am|I'm|[Тт]ы(?:\s*[—–-])?|[Яя](?:\s*[—–-])?)\s+(\p{Lu}\p{Ll}+)(?=[\s,.!—–-]|$)/u,
  );
  const named = name.trim().match(/^(\p{Lu}\p{Ll}+)(?:$|\s*[—–,-]|\s+(?:from|at|of|из|от)\s)/u);
  return (introduced?.[1] ?? named?.[1] ?? '').toLowerCase();
}

function byName(name: string): SpeakerGender {
  if (!name || EITHER.has(name)) return null;
  if (FEMININE_IN_CONSONANT.has(name)) return 'feminine';
  if (/[аяa]$/u.test(name)) return MASCULINE_IN_A.has(name) ? 'masculine' : 'feminine';
  if (/[бвгджзйклмнпрстфхцчшщьbdfgklmnprstvz]$/u.test(name)) return 'masculine';
  return null;
}

/** The name decides; with no telling name, words in the persona that name only one gender ("девушка", "he"). */
export function speakerGender(agentName: string, persona = ''): SpeakerGender {
  const named = byName(firstName(agentName, persona));
  if (named) return named;
  const feminine = FEMININE_WORDS.test(persona) || FEMININE_EN.test(persona);
  const masculine = MASCULINE_WORDS.test(persona) || MASCULINE_EN.test(persona);
  return feminine === masculine ? null : feminine ? 'feminine' : 'masculine';
}
